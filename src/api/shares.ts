/** GET /api/shares (the best chain, paged) and GET /api/blocks (found blocks with their payouts). */
import { hashToHex } from '../bitcoin/hash.js'
import { fromHex } from '../bitcoin/bytes.js'
import { targetToDifficulty } from '../bitcoin/target.js'
import type { FoundBlockRecord } from '../blocks/store.js'
import type { ApiContext } from './context.js'
import { formatBtc } from './units.js'

export async function sharesBody(ctx: ApiContext, before: number | null, limit: number): Promise<Record<string, unknown>> {
  const { reader } = ctx
  const tip = await reader.tip()
  const page = await reader.sharesPage(before, limit)
  return {
    tip: tip === null ? null : { id: tip.id, height: tip.height },
    shares: page.shares.map(({ id, value }) => ({
      id,
      height: value.height,
      parent: value.parent,
      time: value.time,
      miner: reader.address(value.script),
      difficulty: targetToDifficulty(BigInt('0x' + value.target)),
      work: value.work,
      uncles: value.uncles,
      isBlock: value.isBlock
    })),
    nextBefore: page.nextBefore
  }
}

export async function blocksBody(ctx: ApiContext, before: number | null, limit: number): Promise<Record<string, unknown>> {
  const { reader } = ctx
  const all = await reader.blocks()
  // Newest first by position in the log; `before` is the `seq` of the last block of the previous page.
  const selected = all.filter((b) => before === null || b.seq < before).slice(0, limit)
  const last = selected.at(-1)
  return {
    total: all.length,
    blocks: selected.map((b) => {
      const hash = hashToHex(fromHex(b.id))
      const finder = reader.address(b.finder)
      // What bitcoind said of it (persisted by the node), never the share alone.
      const record = ctx.node.foundBlocks.observe({ hash, height: b.blockHeight, finder })
      return {
        hash,
        seq: b.seq,
        shareId: b.id,
        shareHeight: b.height,
        blockHeight: b.blockHeight,
        time: b.time,
        finder,
        coinbaseValue: b.coinbaseValue,
        coinbaseValueBtc: formatBtc(b.coinbaseValue),
        outputs: b.outputs.map((o) => ({ address: reader.address(o.script), script: o.script, sats: o.value, btc: formatBtc(o.value) })),
        submittedHere: submittedHere(record),
        status: { state: record.status, reason: record.reason, confirmations: record.confirmations, checkedAt: record.checkedAt }
      }
    }),
    nextBefore: selected.length === limit && last !== undefined && last.seq > 0 ? last.seq : null
  }
}

/** bitcoind's answer to this node's own submission (null: another node found it). */
function submittedHere(record: FoundBlockRecord): { accepted: boolean; reason: string | null; status: string } | null {
  if (!record.submittedHere) return null
  const last = record.attempts.at(-1)
  const accepted = last !== undefined && (last.outcome === 'accepted' || last.outcome === 'duplicate')
  return { accepted, reason: last?.reason ?? record.reason, status: record.status }
}
