/**
 * Reconciliation against a real node (bcoin regtest, in process): the share-chain finds a block on
 * a real template (built with src/sharechain/build.ts), submits it, and the audit finds it in the
 * best chain with exactly the coinbase the share-chain dictates. Then a dishonest finder's block
 * (a valid Bitcoin block whose coinbase favours it) is submitted and injected into an export: the
 * audit rejects the share and shows, from the Bitcoin chain, how the coinbase differs.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reverseBytes, toHex } from '../../../src/bitcoin/bytes.js'
import { serializeBlock } from '../../../src/bitcoin/block.js'
import { assembleCoinbase, type TxOutput } from '../../../src/bitcoin/coinbase.js'
import { encodeHeader, headerHash } from '../../../src/bitcoin/header.js'
import { coinbaseMerkleBranch } from '../../../src/bitcoin/merkle.js'
import { bitsToTarget, targetToBits } from '../../../src/bitcoin/target.js'
import { normalizeTemplate, type BlockTemplate } from '../../../src/bitcoin/template.js'
import { defaultParams } from '../../../protocol/params.js'
import type { Share } from '../../../protocol/share.js'
import { jobMerkleRoot, makeShareJob, shareFromSolution } from '../../../src/sharechain/build.js'
import { shareCoinbaseParts } from '../../../src/sharechain/coinbase.js'
import type { WorkBase } from '../../../src/sharechain/state.js'
import { writeExport } from '../../../src/audit/export-writer.js'
import type { AuditReport } from '../../../src/audit/report.js'
import { runAudit, type CommandIo } from '../../../src/cli/audit.js'
import { startRegtest, type RegtestNode } from '../../harness/regtest.js'
import { minerScript, NEVER_A_BLOCK_BITS, TestChain } from '../../harness/sharechain.js'
import { favour, grind, sourceOf, withInjected } from '../../unit/audit/fixtures.js'

let node: RegtestNode
let dir: string
let chain: TestChain
let lastTime = 0
const tag = new TextEncoder().encode('/hashcoop-audit/')

beforeAll(async () => {
  node = await startRegtest()
  dir = await mkdtemp(join(tmpdir(), 'hashcoop-audit-regtest-'))
  const t = await template()
  const params = defaultParams('regtest', new Uint8Array(32).fill(3), t.curtime - 100, {
    initialShareBits: targetToBits(1n << 248n),
    shareInterval: 10,
    halfLife: 600,
    windowShares: 20,
    minPayout: 1
  })
  chain = await TestChain.create(params)
}, 60_000)

afterAll(async () => {
  await node?.close()
  await rm(dir, { recursive: true, force: true })
})

async function template(): Promise<BlockTemplate> {
  return normalizeTemplate(await node.rpc.getBlockTemplate(), { reservedWeight: 4000, reservedSigops: 400 })
}

interface Mined {
  share: Share
  /** The block to submit, when the share meets the template's target. */
  block: Uint8Array | null
  outputs: TxOutput[]
}

/**
 * A share on the share-chain's tip for `script`, on the Bitcoin template `t`. `asBlock` puts the
 * template's bits in the header (on regtest every share then meets them); `payouts` lets a
 * dishonest finder change its coinbase before mining.
 */
async function mineOn(t: BlockTemplate, script: Uint8Array, opts: { asBlock: boolean; payouts?: (o: TxOutput[]) => TxOutput[] }): Promise<Mined> {
  const base = (await chain.state.workBase(chain.view)) as WorkBase
  const block = {
    blockHeight: t.height,
    coinbaseValue: t.coinbaseValue,
    witnessCommitment: t.witnessCommitment === null ? null : t.witnessCommitment.slice(6),
    merkleBranch: coinbaseMerkleBranch(t.transactions.map((tx) => tx.txid)),
    tag
  }
  const job = makeShareJob(base, block, script, 8)
  const outputs = (opts.payouts ?? ((o) => o))(base.payouts(script, t.coinbaseValue).outputs.map((o) => ({ ...o })))
  if (opts.payouts !== undefined) {
    job.parts = shareCoinbaseParts({
      consensusId: base.chain.consensusId,
      info: { height: base.height, parent: base.parentId, uncles: base.uncles, shareBits: base.shareBits, payoutScript: script },
      blockHeight: t.height,
      extranonceSize: 8,
      tag,
      witnessCommitment: block.witnessCommitment,
      payouts: outputs
    })
  }
  const extranonce = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, base.height + 1)
  lastTime = Math.max(t.mintime, base.minTime, lastTime + 1)
  const header = { version: t.version, prevHash: t.prevHash, merkleRoot: jobMerkleRoot(job, extranonce), time: lastTime, bits: opts.asBlock ? t.bits : NEVER_A_BLOCK_BITS, nonce: 0 }
  const solved = grind(encodeHeader(header), bitsToTarget(base.shareBits))
  const share = shareFromSolution(job, extranonce, solved)
  const coinbase = assembleCoinbase(job.parts, extranonce)
  const serialized = opts.asBlock ? serializeBlock({ ...header, nonce: new DataView(solved.buffer).getUint32(76, true) }, coinbase, t.transactions.map((tx) => tx.data), t.witnessCommitment !== null) : null
  return { share, block: serialized, outputs }
}

async function auditFile(path: string): Promise<{ code: number; report: AuditReport }> {
  let out = ''
  let err = ''
  const io: CommandIo = { out: { write: (s: string) => (out += s) }, err: { isTTY: false, write: (s: string) => (err += s) } }
  const code = await runAudit(['--file', path, '--json', '--bitcoind', node.rpcUrl, '--rpc-user', node.user, '--rpc-password', node.password], io)
  if (out === '') throw new Error(`no report: ${err}`)
  return { code, report: JSON.parse(out) as AuditReport }
}

const display = (s: Share): string => toHex(reverseBytes(headerHash(s.header)))

describe('reconciling with a real regtest node', () => {
  let found: Mined

  it('a block the share-chain found is in the best chain, its coinbase exactly the PPLNS split', async () => {
    const t = await template()
    for (let i = 0; i < 5; i++) {
      const m = await mineOn(t, minerScript(i), { asBlock: false })
      expect((await chain.submit(m.share)).kind).toBe('share')
    }
    found = await mineOn(t, minerScript(5), { asBlock: true })
    expect(await chain.submit(found.share)).toMatchObject({ kind: 'share', isBlock: true })
    expect(await node.rpc.submitBlock(found.block as Uint8Array)).toEqual({ accepted: true, duplicate: false })
    await node.mineToScript(1, minerScript(99))

    const path = join(dir, 'honest.hcx')
    await writeExport(path, await sourceOf(chain))
    const { code, report } = await auditFile(path)
    expect(report.anomalies).toEqual([])
    expect(code).toBe(0)
    expect(report.blocks).toEqual([expect.objectContaining({ hash: display(found.share), bitcoin: 'in-best-chain', confirmations: 2, coinbase: 'match', validShare: true })])
    const paid = report.payouts.filter((p) => p.paidSats !== '0')
    expect(paid.length).toBe(found.outputs.length)
    for (const o of found.outputs) expect(report.payouts.find((p) => p.script === toHex(o.script))).toMatchObject({ expectedSats: String(o.value), paidSats: String(o.value), differenceSats: '0' })
  })

  it("a finder's block whose coinbase favours it: accepted by Bitcoin, rejected by the replay, the difference shown from the Bitcoin chain", async () => {
    const cheat = minerScript(2)
    const t = await template()
    const forged = await mineOn(t, cheat, { asBlock: true, payouts: favour(cheat) })
    expect(await chain.submit(forged.share)).toMatchObject({ kind: 'invalid', reason: 'bad-merkle-root' }) // an honest node refuses it
    expect(await node.rpc.submitBlock(forged.block as Uint8Array)).toEqual({ accepted: true, duplicate: false }) // Bitcoin does not care

    const path = join(dir, 'forged.hcx')
    await writeExport(path, withInjected(await sourceOf(chain), forged.share, forged.outputs))
    const { code, report } = await auditFile(path)
    expect(code).toBe(1)
    const id = toHex(headerHash(forged.share.header))
    expect(report.anomalies.find((a) => a.kind === 'replay-rejected')).toMatchObject({ id, reason: 'bad-merkle-root' })
    expect(report.blocks.find((b) => b.id === id)).toMatchObject({ validShare: false, bitcoin: 'in-best-chain', coinbase: 'mismatch' })
    expect(report.summary.blocks).toEqual({ found: 1, claimedInvalid: 1, inBestChain: 2, orphaned: 0, unknownToBitcoin: 0 })
    const mismatch = report.anomalies.find((a) => a.kind === 'coinbase-mismatch')
    expect(mismatch?.message).toContain(`block ${display(forged.share)}`)
    expect(mismatch?.message).toMatch(/output \d+: expected [0-9a-f]+ \d+ sat, the Bitcoin chain has [0-9a-f]+ \d+ sat/)
    const row = report.payouts.find((p) => p.script === toHex(cheat))
    expect(BigInt(row?.differenceSats ?? '0')).toBeGreaterThan(0n)
    expect(report.payouts.reduce((s, p) => s + BigInt(p.differenceSats), 0n)).toBe(0n)
    // the honest block still reconciles
    expect(report.blocks.find((b) => b.hash === display(found.share))).toMatchObject({ coinbase: 'match', bitcoin: 'in-best-chain' })
  })
})
