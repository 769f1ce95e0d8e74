import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeExport } from '../../../src/audit/export-writer.js'
import { main } from '../../../src/cli/main.js'
import { runAudit, type CommandIo } from '../../../src/cli/audit.js'
import { runExport } from '../../../src/cli/export.js'
import { minerScript } from '../../harness/sharechain.js'
import { favour, forgeShare, idOf, mineHonest, sourceOf, withInjected } from './fixtures.js'

let dir: string
let clean: string
let forgedFile: string
let forgedId: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hashcoop-audit-cli-'))
  const honest = await mineHonest()
  clean = join(dir, 'clean.hcx')
  await writeExport(clean, await sourceOf(honest.chain))
  const forged = await forgeShare(honest.chain, minerScript(2), { payouts: favour(minerScript(2)) })
  forgedId = idOf(forged)
  forgedFile = join(dir, 'forged.hcx')
  await writeExport(forgedFile, withInjected(await sourceOf(honest.chain), forged))
}, 60_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function io(): CommandIo & { stdout: () => string; stderr: () => string } {
  let out = ''
  let err = ''
  return {
    out: { write: (s: string) => (out += s) },
    err: { isTTY: false, write: (s: string) => (err += s) },
    stdout: () => out,
    stderr: () => err
  }
}

describe('hashcoop audit', () => {
  it('is listed in hashcoop --help with export', async () => {
    let text = ''
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((s: string) => ((text += s), true)) as typeof process.stdout.write
    try {
      expect(await main(['--help'])).toBe(0)
    } finally {
      process.stdout.write = write
    }
    expect(text).toMatch(/\n {2}audit +re-verify a cooperative's share-chain/)
    expect(text).toMatch(/\n {2}export +write a cooperative's share-chain to a file/)
  })

  it('an honest export: exit 0, a text report with the payout table', async () => {
    const x = io()
    expect(await runAudit(['--file', clean], x)).toBe(0)
    expect(x.stdout()).toContain('Payouts (expected: the PPLNS split of each found block')
    expect(x.stdout()).toMatch(/address +shares +uncles +work % +expected BTC +paid BTC +difference/)
    expect(x.stdout()).toContain('RESULT: clean')
    expect(x.stderr()).toBe('')
  })

  it('--json: deterministic, and a timestamp only when asked', async () => {
    const a = io()
    const b = io()
    expect(await runAudit(['--file', clean, '--json'], a)).toBe(0)
    expect(await runAudit(['--json', '--file', clean], b)).toBe(0)
    expect(b.stdout()).toBe(a.stdout())
    const parsed = JSON.parse(a.stdout()) as { summary: { clean: boolean }; generatedAt?: string }
    expect(parsed.summary.clean).toBe(true)
    expect(parsed.generatedAt).toBeUndefined()
    const t = { ...io(), now: () => new Date('2030-01-02T03:04:05Z') }
    expect(await runAudit(['--file', clean, '--json', '--timestamp'], t)).toBe(0)
    expect((JSON.parse(t.stdout()) as { generatedAt: string }).generatedAt).toBe('2030-01-02T03:04:05.000Z')
  })

  it('a forged share: exit 1, the share id and reason in the report', async () => {
    const x = io()
    expect(await runAudit(['--file', forgedFile], x)).toBe(1)
    expect(x.stdout()).toContain(`the node accepted share ${forgedId}`)
    expect(x.stdout()).toContain('bad-merkle-root')
    expect(x.stdout()).toMatch(/RESULT: FAILED \(\d+ errors\)/)
  })

  it('a damaged export: exit 3 and where the damage is', async () => {
    const bytes = new Uint8Array(await readFile(clean))
    bytes[200] = (bytes[200] as number) ^ 4
    const damaged = join(dir, 'damaged.hcx')
    await writeFile(damaged, bytes)
    const x = io()
    expect(await runAudit(['--file', damaged], x)).toBe(3)
    expect(x.stderr()).toMatch(/^hashcoop audit: export file .*damaged\.hcx is damaged: record \d+ \(\w+\) at bytes \d+-\d+ fails its checksum\n$/)
    expect(x.stdout()).toBe('')
  })

  const usage: [string[], RegExp][] = [
    [[], /give a source: one of --join, --data, --file/],
    [['--file', 'a', '--data', 'b'], /give exactly one source, not --data and --file/],
    [['--file', 'a', '--bootstrap', '127.0.0.1:1'], /--bootstrap only applies to --join/],
    [['--join', 'x', '--timeout', 'soon'], /--timeout must be 1-86400 seconds/],
    [['--join', 'x', '--bootstrap', 'nohost'], /--bootstrap: invalid DHT bootstrap address "nohost"/],
    [['--file', 'a', '--rpc-user', 'u'], /need --bitcoind/],
    [['--file', 'a', '--bitcoind', 'http://127.0.0.1:1', '--rpc-user', 'u'], /--rpc-user and --rpc-password go together/],
    [['--file', 'a', '--bitcoind', 'ftp://x:1', '--rpc-cookie', 'c'], /--bitcoind: RPC URL must be http:\/\//],
    [['--file', 'a', '--bitcoind', 'http://127.0.0.1:1'], /--bitcoind: no RPC credentials/],
    [['--file', 'a', '--frobnicate'], /Unknown option '--frobnicate'/]
  ]
  for (const [argv, message] of usage) {
    it(`refuses ${JSON.stringify(argv)} with exit 2`, async () => {
      const x = io()
      expect(await runAudit(argv, x)).toBe(2)
      expect(x.stderr()).toMatch(message)
      expect(x.stderr()).toContain("Run 'hashcoop audit --help'")
    })
  }

  it('a bad join key, a missing file, a missing data dir: exit 3 with the reason', async () => {
    const key = io()
    expect(await runAudit(['--join', 'hashcoop1qqqq'], key)).toBe(3)
    expect(key.stderr()).toMatch(/^hashcoop audit: invalid join key/)
    const file = io()
    expect(await runAudit(['--file', join(dir, 'missing.hcx')], file)).toBe(3)
    expect(file.stderr()).toContain('(no such file)')
    const data = io()
    expect(await runAudit(['--data', join(dir, 'no-such-dir')], data)).toBe(3)
    expect(data.stderr()).toMatch(/no data dir at .*no-such-dir/)
    const notData = io()
    expect(await runAudit(['--data', dir], notData)).toBe(3)
    expect(notData.stderr()).toMatch(/is not a hashcoop data dir \(it has no corestore\/\)/)
  })

  it('an unreachable bitcoind: exit 3 with the RPC client\'s message, before any replay', async () => {
    const x = io()
    expect(await runAudit(['--file', clean, '--bitcoind', 'http://127.0.0.1:9', '--rpc-user', 'u', '--rpc-password', 'p'], x)).toBe(3)
    expect(x.stderr()).toMatch(/^hashcoop audit: bitcoind 127\.0\.0\.1:9 getblockchaininfo: connection refused/)
  })

  it('--help', async () => {
    const x = io()
    expect(await runAudit(['--help'], x)).toBe(0)
    expect(x.stdout()).toContain('Usage: hashcoop audit (--join KEY | --data DIR | --file FILE)')
  })
})

describe('hashcoop export', () => {
  const usage: [string[], RegExp][] = [
    [['--data', 'd'], /--out FILE is required/],
    [['--file', 'f', '--out', 'o'], /--file is not a source here \(use one of --join, --data\)/],
    [['--out', 'o'], /give a source: one of --join, --data/]
  ]
  for (const [argv, message] of usage) {
    it(`refuses ${JSON.stringify(argv)} with exit 2`, async () => {
      const x = io()
      expect(await runExport(argv, x)).toBe(2)
      expect(x.stderr()).toMatch(message)
    })
  }

  it('a missing data dir: exit 3', async () => {
    const x = io()
    expect(await runExport(['--data', join(dir, 'nothing'), '--out', join(dir, 'x.hcx')], x)).toBe(3)
    expect(x.stderr()).toMatch(/^hashcoop export: no data dir at/)
  })
})
