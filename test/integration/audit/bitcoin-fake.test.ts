import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { fromHex, reverseBytes, toHex } from '../../../src/bitcoin/bytes.js'
import { serializeBlock } from '../../../src/bitcoin/block.js'
import type { TxOutput } from '../../../src/bitcoin/coinbase.js'
import { decodeHeader } from '../../../src/bitcoin/header.js'
import { shareCoinbase } from '../../../src/sharechain/coinbase.js'
import { KEY, type BlockValue } from '../../../src/sharechain/view.js'
import { writeExport } from '../../../src/audit/export-writer.js'
import type { AuditReport } from '../../../src/audit/report.js'
import { runAudit, type CommandIo } from '../../../src/cli/audit.js'
import { minerScript } from '../../harness/sharechain.js'
import { favour, mineHonest, sourceOf, type Honest } from '../../unit/audit/fixtures.js'
import { startFakeBitcoind, type FakeBitcoind } from './fake-bitcoind.js'

let dir: string
let file: string
let honest: Honest
let fake: FakeBitcoind | null = null

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hashcoop-audit-fake-'))
  honest = await mineHonest()
  file = join(dir, 'coop.hcx')
  await writeExport(file, await sourceOf(honest.chain))
}, 60_000)

afterEach(async () => {
  await fake?.close()
  fake = null
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

interface Found {
  hash: string
  height: number
  outputs: TxOutput[]
  raw: (outputs: TxOutput[]) => string
}

/** Each found block of the honest chain, and how to serialize it with any coinbase outputs. */
async function foundBlocks(): Promise<Found[]> {
  const chain = honest.chain.state.shareChain
  if (chain === null) throw new Error('no chain')
  const out: Found[] = []
  for (const id of honest.blocks) {
    const record = chain.get(id)
    const value = (await honest.chain.view.get(KEY.block(id)))?.value as BlockValue
    if (record === undefined) throw new Error(`no record for block ${id}`)
    const outputs = value.outputs.map((o) => ({ script: fromHex(o.script), value: BigInt(o.value) }))
    out.push({
      hash: toHex(reverseBytes(fromHex(id))),
      height: record.share.blockHeight,
      outputs,
      raw: (o) => toHex(serializeBlock(decodeHeader(record.share.header), shareCoinbase(chain.consensusId, record.share, o), [], false))
    })
  }
  return out
}

async function run(f: FakeBitcoind, extra: string[] = []): Promise<{ code: number; report: AuditReport | null; stderr: string }> {
  let out = ''
  let err = ''
  const io: CommandIo = { out: { write: (s: string) => (out += s) }, err: { isTTY: false, write: (s: string) => (err += s) } }
  const code = await runAudit(['--file', file, '--json', '--bitcoind', f.url, '--rpc-user', f.user, '--rpc-password', f.password, ...extra], io)
  return { code, report: out === '' ? null : (JSON.parse(out) as AuditReport), stderr: err }
}

describe('reconciling found blocks with a bitcoind (a fake one on 127.0.0.1)', () => {
  it('every block in the best chain with the coinbase the share-chain dictates: clean', async () => {
    fake = await startFakeBitcoind()
    for (const b of await foundBlocks()) fake.blocks.set(b.hash, { hash: b.hash, height: b.height, raw: b.raw(b.outputs), inBestChain: true })
    const { code, report } = await run(fake)
    expect(report?.anomalies).toEqual([])
    expect(code).toBe(0)
    expect(report?.summary.blocks).toEqual({ found: 4, claimedInvalid: 0, inBestChain: 4, orphaned: 0, unknownToBitcoin: 0 })
    expect(report?.blocks.every((b) => b.bitcoin === 'in-best-chain' && b.coinbase === 'match')).toBe(true)
    for (const p of report?.payouts ?? []) expect(p.paidSats).toBe(p.expectedSats)
  })

  it('a coinbase that differs, an orphan and a block bitcoind never saw: each reported, exit 1', async () => {
    fake = await startFakeBitcoind()
    const [ok, tampered, orphan, unknown] = await foundBlocks()
    if (ok === undefined || tampered === undefined || orphan === undefined || unknown === undefined) throw new Error('expected 4 blocks')
    const cheat = minerScript(5)
    const paidInstead = favour(cheat)(tampered.outputs.map((o) => ({ ...o })))
    fake.blocks.set(ok.hash, { hash: ok.hash, height: ok.height, raw: ok.raw(ok.outputs), inBestChain: true })
    fake.blocks.set(tampered.hash, { hash: tampered.hash, height: tampered.height, raw: tampered.raw(paidInstead), inBestChain: true })
    fake.blocks.set(orphan.hash, { hash: orphan.hash, height: orphan.height, raw: orphan.raw(orphan.outputs), inBestChain: false })
    const { code, report } = await run(fake)
    expect(code).toBe(1)
    const byHash = new Map(report?.blocks.map((b) => [b.hash, b]))
    expect(byHash.get(ok.hash)).toMatchObject({ bitcoin: 'in-best-chain', coinbase: 'match' })
    expect(byHash.get(tampered.hash)).toMatchObject({ bitcoin: 'in-best-chain', coinbase: 'mismatch' })
    expect(byHash.get(orphan.hash)).toMatchObject({ bitcoin: 'orphaned', confirmations: -1 })
    expect(byHash.get(unknown.hash)).toMatchObject({ bitcoin: 'unknown', coinbase: 'not-checked' })

    const mismatch = report?.anomalies.find((a) => a.kind === 'coinbase-mismatch')
    const favouredIndex = paidInstead.findIndex((o, i) => toHex(o.script) !== toHex(tampered.outputs[i]?.script ?? new Uint8Array()) || o.value !== tampered.outputs[i]?.value)
    expect(mismatch?.message).toContain(`block ${tampered.hash}: its coinbase on the Bitcoin chain is not the share-chain's split`)
    expect(mismatch?.message).toMatch(new RegExp(`output ${favouredIndex}: expected [0-9a-f]+ \\d+ sat, the Bitcoin chain has [0-9a-f]+ \\d+ sat`))
    expect(report?.anomalies.find((a) => a.kind === 'block-orphaned')).toMatchObject({ severity: 'warning' })
    expect(report?.anomalies.find((a) => a.kind === 'block-unknown')?.message).toContain(`block ${unknown.hash}`)

    // expected and paid count the two blocks in the best chain; the favoured address got more
    const row = report?.payouts.find((p) => p.script === toHex(cheat))
    expect(BigInt(row?.differenceSats ?? '0')).toBeGreaterThan(0n)
    const expectedTotal = (report?.payouts ?? []).reduce((s, p) => s + BigInt(p.expectedSats), 0n)
    expect(expectedTotal).toBe([ok, tampered].reduce((s, b) => s + b.outputs.reduce((t, o) => t + o.value, 0n), 0n))
  })

  it('a bitcoind on another network: exit 3 before the replay', async () => {
    fake = await startFakeBitcoind('main')
    const { code, stderr } = await run(fake)
    expect(code).toBe(3)
    expect(stderr).toMatch(/^hashcoop audit: bitcoind 127\.0\.0\.1:\d+ is on chain 'main', expected 'regtest'\n$/)
    expect(fake.calls).toEqual(['getblockchaininfo'])
  })

  it('wrong credentials: exit 3 with the RPC client\'s reason', async () => {
    fake = await startFakeBitcoind()
    let err = ''
    const io: CommandIo = { out: { write: () => true }, err: { isTTY: false, write: (s: string) => (err += s) } }
    expect(await runAudit(['--file', file, '--bitcoind', fake.url, '--rpc-user', 'auditor', '--rpc-password', 'wrong'], io)).toBe(3)
    expect(err).toMatch(/HTTP 401, credentials rejected/)
    expect(err).not.toContain('wrong')
  })
})
