import { beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { KEY, RANGE, type BlockValue, type MinerValue, type StatsValue, type TipValue } from '../../../src/sharechain/view.js'
import { audit } from '../../../src/audit/audit.js'
import type { AuditReport } from '../../../src/audit/report.js'
import { minerScript } from '../../harness/sharechain.js'
import { easier, favour, forgeShare, idOf, mineHonest, sourceOf, withInjected, REGTEST_BLOCK_BITS, type Honest } from './fixtures.js'

let honest: Honest
let report: AuditReport

beforeAll(async () => {
  honest = await mineHonest()
  report = await audit(await sourceOf(honest.chain))
}, 60_000)

async function viewRecords<T>(range: { gt: string; lt: string }): Promise<T[]> {
  const out: T[] = []
  for await (const e of honest.chain.view.createReadStream(range)) out.push(e.value as T)
  return out
}

describe('auditing an honest cooperative (an in-memory node view)', () => {
  it('is clean: every share re-verified, every derived record reproduced', () => {
    expect(report.anomalies).toEqual([])
    expect(report.summary.clean).toBe(true)
    expect(report.summary.rejectedByReplay).toBe(0)
  })

  it('counts what the node counts: shares, blocks, rejected entries and their reasons, the tip', async () => {
    const stats = (await honest.chain.view.get(KEY.stats))?.value as StatsValue
    const tip = (await honest.chain.view.get(KEY.tip))?.value as TipValue
    expect(report.summary.shares).toBe(stats.shares)
    expect(report.summary.shares).toBe(honest.shares.length)
    expect(report.summary.blocks.found).toBe(stats.blocks)
    expect(report.summary.blocks.found).toBe(honest.blocks.length)
    expect(report.summary.invalidRecordedByNode).toBe(stats.invalid)
    expect(report.summary.invalidReasons).toEqual([
      { reason: 'high-hash', count: 1 },
      { reason: 'malformed', count: 1 }
    ])
    expect(report.summary.tip).toEqual(tip)
    expect(report.summary.blocks.inBestChain).toBeNull()
  })

  it("gives per-miner figures equal to the node's view", async () => {
    const miners = await viewRecords<MinerValue>(RANGE.miners)
    expect(miners.length).toBeGreaterThanOrEqual(7) // 6 miners + the uncle miner
    const total = miners.reduce((s, m) => s + BigInt(m.work), 0n)
    expect(report.summary.totalWork).toBe(String(total))
    for (const m of miners) {
      const row = report.payouts.find((p) => p.script === m.script)
      expect(row, m.script).toBeDefined()
      expect(row?.shares).toBe(m.shares)
      expect(row?.uncles).toBe(m.uncles)
      expect(row?.work).toBe(m.work)
    }
    // a race's loser (miner 9's sibling or the share it raced; the tie goes to the lower id) is credited as an uncle
    expect(miners.some((m) => m.uncles > 0)).toBe(true)
  })

  it("expected and paid agree with the node's block records, to the satoshi", async () => {
    const blocks = await viewRecords<BlockValue>(RANGE.blocks)
    const paid = new Map<string, bigint>()
    for (const b of blocks) for (const o of b.outputs) paid.set(o.script, (paid.get(o.script) ?? 0n) + BigInt(o.value))
    let total = 0n
    for (const row of report.payouts) {
      expect(row.expectedSats).toBe(String(paid.get(row.script) ?? 0n))
      expect(row.paidSats).toBe(row.expectedSats)
      expect(row.differenceSats).toBe('0')
      total += BigInt(row.expectedSats)
    }
    expect(total).toBe(blocks.reduce((s, b) => s + BigInt(b.coinbaseValue), 0n))
    expect(report.blocks.map((b) => b.id).sort()).toEqual([...honest.blocks].sort())
  })
})

describe('auditing a node that accepted forged shares', () => {
  it('a share whose coinbase favours one address is rejected as bad-merkle-root, with its id', async () => {
    const cheat = minerScript(0)
    const forged = await forgeShare(honest.chain, cheat, { payouts: favour(cheat) })
    const r = await audit(withInjected(await sourceOf(honest.chain), forged))
    const finding = r.anomalies.find((a) => a.kind === 'replay-rejected')
    expect(finding).toMatchObject({ id: idOf(forged), reason: 'bad-merkle-root', severity: 'error' })
    expect(finding?.message).toContain(idOf(forged))
    expect(r.summary.clean).toBe(false)
    expect(r.summary.rejectedByReplay).toBe(1)
  })

  it('when that share is also a block, the payout table shows who the coinbase favoured', async () => {
    const cheat = minerScript(0)
    let claimed: Parameters<typeof withInjected>[2]
    const forged = await forgeShare(honest.chain, cheat, {
      headerBits: REGTEST_BLOCK_BITS,
      payouts: (o) => (claimed = favour(cheat)(o))
    })
    const r = await audit(withInjected(await sourceOf(honest.chain), forged, claimed))
    expect(r.anomalies.find((a) => a.kind === 'replay-rejected')).toMatchObject({ id: idOf(forged), reason: 'bad-merkle-root' })
    const block = r.blocks.find((b) => b.id === idOf(forged))
    expect(block).toMatchObject({ validShare: false })
    expect(r.summary.blocks).toMatchObject({ found: honest.blocks.length, claimedInvalid: 1 })
    const cheatRow = r.payouts.find((p) => p.script === toHex(cheat))
    expect(BigInt(cheatRow?.differenceSats ?? '0')).toBeGreaterThan(0n)
    const victims = r.payouts.filter((p) => BigInt(p.differenceSats) < 0n)
    expect(victims.length).toBeGreaterThan(0)
    // nothing created or lost: the favoured amount is exactly what the others miss
    expect(r.payouts.reduce((s, p) => s + BigInt(p.differenceSats), 0n)).toBe(0n)
    expect(r.anomalies.filter((a) => a.kind === 'payout-difference').length).toBe(victims.length + 1)
  })

  it('a share declaring a target easier than the retarget allows is rejected as bad-share-target, with its id', async () => {
    const base = await honest.chain.state.workBase(honest.chain.view)
    const forged = await forgeShare(honest.chain, minerScript(3), { shareBits: easier(base?.shareBits ?? 0) })
    const r = await audit(withInjected(await sourceOf(honest.chain), forged))
    const finding = r.anomalies.find((a) => a.kind === 'replay-rejected')
    expect(finding).toMatchObject({ id: idOf(forged), reason: 'bad-share-target' })
    expect(finding?.message).toMatch(/declared share bits 0x[0-9a-f]{8}, the retarget rule gives 0x[0-9a-f]{8}/)
  })
})

describe("auditing a node whose derived records were altered", () => {
  async function alter(key: string, edit: (v: Record<string, unknown>) => void): Promise<AuditReport> {
    const original = (await honest.chain.view.get(key))?.value as Record<string, unknown>
    const batch = honest.chain.view.batch()
    const changed = JSON.parse(JSON.stringify(original)) as Record<string, unknown>
    edit(changed)
    await batch.put(key, changed)
    await batch.flush()
    try {
      return await audit(await sourceOf(honest.chain))
    } finally {
      const restore = honest.chain.view.batch()
      await restore.put(key, original)
      await restore.flush()
    }
  }

  it('a miner total: the record and the field are named', async () => {
    const key = KEY.miner(toHex(minerScript(2)))
    const r = await alter(key, (v) => (v.work = String(BigInt(v.work as string) + 1000n)))
    expect(r.anomalies).toHaveLength(1)
    expect(r.anomalies[0]).toMatchObject({ kind: 'record-mismatch' })
    expect(r.anomalies[0]?.message).toContain(key)
    expect(r.anomalies[0]?.message).toContain('work: node')
  })

  it("a share's cumulative work", async () => {
    const id = honest.shares[10] ? idOf(honest.shares[10]) : ''
    const r = await alter(KEY.share(id), (v) => (v.cumWork = '1'))
    expect(r.anomalies).toEqual([expect.objectContaining({ kind: 'record-mismatch', id })])
  })

  it("a block's payout outputs", async () => {
    const id = honest.blocks[0] as string
    const r = await alter(KEY.block(id), (v) => {
      const outputs = v.outputs as { script: string; value: string }[]
      const [a, b] = outputs
      if (a === undefined || b === undefined) throw new Error('block with fewer than 2 outputs')
      a.value = String(BigInt(a.value) + 5n)
      b.value = String(BigInt(b.value) - 5n)
    })
    expect(r.anomalies.find((a) => a.kind === 'record-mismatch')).toMatchObject({ id })
    expect(r.anomalies.filter((a) => a.kind === 'payout-difference')).toHaveLength(2)
  })

  it('the tip', async () => {
    const r = await alter(KEY.tip, (v) => (v.height = (v.height as number) - 1))
    expect(r.anomalies).toEqual([expect.objectContaining({ kind: 'record-mismatch', message: expect.stringContaining('tip: height') })])
  })
})

describe('a chain too large for the heap', () => {
  it('is refused before the replay, with the heap it needs and how to run it', async () => {
    const source = await sourceOf(honest.chain)
    const limit = 256 * 2 ** 20
    const err = await audit({ ...source, itemCount: 1_000_000 }, { heapLimit: limit }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(/replaying 1000000 log entries needs about \d+ MB of JavaScript heap and this process may use 256 MB/)
    expect((err as Error).message).toMatch(/--max-old-space-size=\d+/)
  })

  it('a chain that fits goes ahead under the same limit', async () => {
    const r = await audit(await sourceOf(honest.chain), { heapLimit: 256 * 2 ** 20 })
    expect(r.summary.clean).toBe(true)
  })
})
