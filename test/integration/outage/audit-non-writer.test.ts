/**
 * Issue 16 (4): `hashcoop audit --data DIR` of a non-writer's data dir (a node that joined and
 * never became a writer) audits like a founder's: same share-chain, a report, an exit status that
 * means something. With --bitcoind, a block whose submission failed on that node is reported as
 * such ("submission failed here"), apart from one bitcoind never saw.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addressToScript } from '../../../src/bitcoin/address.js'
import { hashToHex } from '../../../src/bitcoin/hash.js'
import { difficultyToTarget, targetToBits } from '../../../src/bitcoin/target.js'
import { runAudit, type CommandIo } from '../../../src/cli/audit.js'
import { HashcoopNode, initCooperative } from '../../../src/node/node.js'
import type { StratumJob } from '../../../src/stratum/types.js'
import type { AuditReport } from '../../../src/audit/report.js'
import { waitFor } from '../../harness/autobase-chain.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { freePort, startRegtest, type RegtestNode } from '../../harness/regtest.js'
import { solveJob } from '../../harness/solve-job.js'

const BIN = fileURLToPath(new URL('../../../src/cli/bin.ts', import.meta.url))
const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'
const JOINER_ADDRESS = 'mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn'

let regtest: RegtestNode
let dht: LocalDht
const dirs: string[] = []
let founderDir: string
let joinerDir: string
let unsubmittedHash: string

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hashcoop-audit-nw-'))
  dirs.push(d)
  return d
}

function io(): CommandIo & { stdout: () => string; stderr: () => string } {
  let out = ''
  let err = ''
  return { out: { write: (s: string) => (out += s) }, err: { isTTY: false, write: (s: string) => (err += s) }, stdout: () => out, stderr: () => err }
}

async function shareCount(node: HashcoopNode): Promise<number> {
  return ((await node.view.get('stats'))?.value as { shares?: number } | undefined)?.shares ?? 0
}

beforeAll(async () => {
  regtest = await startRegtest()
  await regtest.mineToScript(1, addressToScript(ADDRESS, 'regtest'))
  dht = await startLocalDht()
  founderDir = tempDir()
  joinerDir = tempDir()
  // Shares as easy as regtest blocks: every block solution below is also a share.
  const { joinKey } = await initCooperative({ dataDir: founderDir, network: 'regtest', overrides: { shareInterval: 2, initialShareBits: 0x207fffff } })
  const bitcoind = { url: regtest.rpcUrl, auth: { user: regtest.user, password: regtest.password }, pollIntervalMs: 100, blockCheckIntervalMs: 300 }
  const founder = await HashcoopNode.start({ dataDir: founderDir, bitcoind, stratum: { host: '127.0.0.1', port: await freePort() }, dht: dht.choice() })
  const said: string[] = []
  const logger = { debug: () => {}, info: (_f: object, m: string) => said.push(m), warn: (_f: object, m: string) => said.push(m), error: (_f: object, m: string) => said.push(m) }
  const joiner = await HashcoopNode.start({ dataDir: joinerDir, joinKey, bitcoind, stratum: { host: '127.0.0.1', port: await freePort() }, dht: dht.choice(), logger })
  try {
    expect(joiner.base.writable).toBe(false)
    // The log says what the docs call it (issue 16, 6): a non-writer, not a "reader".
    expect(said.some((m) => / as non-writer$/.test(m)), said.join('\n')).toBe(true)
    let job: StratumJob | null = null
    joiner.work.on('job', (j) => (job = j))
    await waitFor(async () => job !== null, 'a job on the joiner', 30_000)
    // The joiner's first block is accepted; then bitcoind stops and its second is kept unsubmitted.
    const tip = await regtest.rpc.getBestBlockHash()
    await waitFor(async () => hashToHex((job as StratumJob).prevHash) === tip, 'a job on the tip', 30_000)
    await joiner.work.onSolution(solveJob(job as unknown as StratumJob, JOINER_ADDRESS, 'regtest', joiner.stratum.extranonceSize, 1))
    await waitFor(async () => (await shareCount(founder)) >= 1 && (await shareCount(joiner)) >= 1, 'the share on both nodes', 30_000)
    await waitFor(async () => hashToHex((job as StratumJob).prevHash) !== tip, 'a job on the new tip', 30_000)
    await regtest.stop()
    const kept = solveJob(job as unknown as StratumJob, JOINER_ADDRESS, 'regtest', joiner.stratum.extranonceSize, 2)
    unsubmittedHash = hashToHex(kept.hash)
    await joiner.work.onSolution(kept)
    expect(joiner.foundBlocks.get(unsubmittedHash)?.status).toBe('unsubmitted')
    await waitFor(async () => (await shareCount(founder)) >= 2 && (await shareCount(joiner)) >= 2, 'both shares on both nodes', 30_000)
  } finally {
    await joiner.stop()
    await founder.stop()
  }
  await regtest.resume()
}, 120_000)

afterAll(async () => {
  await dht?.stop()
  await regtest?.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
}, 60_000)

async function auditJson(args: string[]): Promise<{ code: number; report: AuditReport; stderr: string }> {
  const out = io()
  const code = await runAudit([...args, '--json', '--no-progress'], out)
  expect(out.stdout(), out.stderr()).not.toBe('')
  return { code, report: JSON.parse(out.stdout()) as AuditReport, stderr: out.stderr() }
}

describe('audit of a non-writer data dir', () => {
  it("gives the founder's report, from the joiner's data dir, with and without --json", async () => {
    const founder = await auditJson(['--data', founderDir])
    const joiner = await auditJson(['--data', joinerDir])
    expect(joiner.report.summary).toEqual(founder.report.summary)
    expect(joiner.report.summary.shares).toBe(2)
    expect(joiner.code).toBe(founder.code)
    const text = io()
    const code = await runAudit(['--data', joinerDir, '--no-progress'], text)
    expect(code).toBe(joiner.code)
    expect(text.stdout()).toContain('shares')
  }, 60_000)

  it('prints a report from the command line too: never an empty output with exit 0', async () => {
    for (const extra of [[], ['--json'], ['--bitcoind', regtest.rpcUrl, '--rpc-user', regtest.user, '--rpc-password', regtest.password]]) {
      const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'audit', '--data', joinerDir, '--no-progress', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const [code] = (await once(child, 'exit')) as [number | null]
      expect(stdout === '' ? stderr : 'ok', `audit ${extra.join(' ')}: exit ${code}`).toBe('ok')
      expect(code, stderr).toBe(extra.length > 1 ? 1 : 0)
    }
  }, 120_000)

  it('tells a block whose submission failed here from one bitcoind never saw', async () => {
    const { code, report } = await auditJson(['--data', joinerDir, '--bitcoind', regtest.rpcUrl, '--rpc-user', regtest.user, '--rpc-password', regtest.password])
    expect(code).toBe(1)
    const unknown = report.anomalies.filter((a) => a.kind === 'block-unknown')
    expect(unknown).toHaveLength(1)
    expect(unknown[0]?.message).toContain(unsubmittedHash)
    expect(unknown[0]?.message).toContain('submission failed on this node')
    expect(unknown[0]?.message).toContain('still waiting to be resubmitted), not withheld')
    const founder = await auditJson(['--data', founderDir, '--bitcoind', regtest.rpcUrl, '--rpc-user', regtest.user, '--rpc-password', regtest.password])
    expect(founder.report.anomalies.find((a) => a.kind === 'block-unknown')?.message).toContain('never seen')
  }, 60_000)
})
