import { shareClassLimit } from '../sharechain/classes.js'
import { fromHex, reverseBytes, toHex } from '../bitcoin/bytes.js'
import type { TxOutput } from '../bitcoin/coinbase.js'
import { decodeShare, type Share } from '../../protocol/share.js'
import { shareCoinbase } from '../sharechain/coinbase.js'
import { KEY, RANGE, type BlockValue, type MinerValue, type ShareValue } from '../sharechain/view.js'
import type { BitcoinCheck, OutputJson } from './bitcoin.js'
import type { NodeClaims } from './log.js'
import type { ReplayResult } from './replay.js'

/**
 * Found blocks and who they pay. For each block (valid by the replay, or only claimed by the node)
 * `expected` is the split the PPLNS rules dictate at its parent (SPEC.md §7), computed by the
 * share-chain code; `claimed` is the split the node recorded; the Bitcoin check, when made, adds
 * what the coinbase on the Bitcoin chain actually pays.
 */
export interface BlockEntry {
  /** Share id (hex, internal byte order, as in `block!<id>`). */
  id: string
  /** The Bitcoin block hash, display order (what bitcoind and explorers show). */
  hash: string
  shareHeight: number
  blockHeight: number
  finder: string
  coinbaseValue: string
  seq: number
  /** The replay accepts the share that is this block. */
  valid: boolean
  /** The split the rules dictate, or null when it cannot be computed (its parent is not valid). */
  expected: OutputJson[] | null
  /** The split in the node's `block!<id>` record, or null when the node has none. */
  claimed: OutputJson[] | null
  /** The full non-witness coinbase the rules dictate (for the byte-for-byte Bitcoin check). */
  expectedCoinbase: Uint8Array | null
  bitcoin: BitcoinCheck | null
}

export async function collectBlocks(claims: NodeClaims, result: ReplayResult): Promise<BlockEntry[]> {
  const claimedById = new Map(claims.blocks.map((b) => [b.id, b]))
  const entries = new Map<string, BlockEntry>()
  const { chain, view } = result
  for await (const { value } of view.createReadStream(RANGE.blocks)) {
    const b = value as BlockValue
    // From the replay's view: the chain memo keeps only the recent records.
    const stored = view.getSync(KEY.share(b.id))?.value as ShareValue | undefined
    const expected = b.outputs
    entries.set(b.id, {
      ...blockFields(b),
      valid: true,
      expected,
      claimed: claimedById.get(b.id)?.outputs ?? null,
      expectedCoinbase: stored === undefined ? null : shareCoinbase(chain.consensusId, decodeShare(fromHex(stored.bytes)), expected.map(toTxOutput)),
      bitcoin: null
    })
  }
  for (const b of claims.blocks) {
    if (entries.has(b.id)) continue
    // The node records a block the replay does not accept: what should its coinbase have paid?
    const split = await splitAtParent(result, result.rejectedShares.get(b.id))
    entries.set(b.id, { ...blockFields(b), valid: false, expected: split?.outputs ?? null, claimed: b.outputs, expectedCoinbase: split?.coinbase ?? null, bitcoin: null })
  }
  return [...entries.values()].sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : 1))
}

function blockFields(b: BlockValue): Pick<BlockEntry, 'id' | 'hash' | 'shareHeight' | 'blockHeight' | 'finder' | 'coinbaseValue' | 'seq'> {
  return { id: b.id, hash: toHex(reverseBytes(fromHex(b.id, 'block id'))), shareHeight: b.height, blockHeight: b.blockHeight, finder: b.finder, coinbaseValue: b.coinbaseValue, seq: b.seq }
}

/** The split a rejected share's coinbase should have paid, when its parent is a valid share. */
async function splitAtParent(result: ReplayResult, bytes: Uint8Array | undefined): Promise<{ outputs: OutputJson[]; coinbase: Uint8Array } | null> {
  if (bytes === undefined) return null
  let share: Share
  try {
    share = decodeShare(bytes)
  } catch {
    return null
  }
  const parentHex = share.height === 0 ? null : toHex(share.parent)
  if (parentHex !== null && result.view.getSync(KEY.share(parentHex)) === null) return null
  try {
    // The state loads the parent's window from the view if the memo has let it go.
    const base = await result.state.workBaseAt(result.view, parentHex)
    if (base === null) return null
    const split = base.payouts(share.payoutScript, BigInt(share.coinbaseValue), shareClassLimit(result.chain.params, share))
    return { outputs: split.outputs.map((o) => ({ script: toHex(o.script), value: String(o.value) })), coinbase: shareCoinbase(result.chain.consensusId, share, split.outputs) }
  } catch {
    return null
  }
}

function toTxOutput(o: OutputJson): TxOutput {
  return { script: fromHex(o.script, 'output script'), value: BigInt(o.value) }
}

/** One row of the payout table. Amounts in satoshis. */
export interface PayoutRow {
  script: string
  shares: number
  uncles: number
  work: bigint
  expected: bigint
  paid: bigint
}

/**
 * Per payout script: the replay's miner totals, the sum of what the rules assign over the counted
 * blocks, and the sum of what was paid (the Bitcoin chain's coinbases when checked, else the
 * node's recorded splits). Counted blocks: those in the best chain when Bitcoin was checked, else
 * every found block.
 */
export async function payoutRows(result: ReplayResult, blocks: readonly BlockEntry[], bitcoinChecked: boolean): Promise<PayoutRow[]> {
  const rows = new Map<string, PayoutRow>()
  const row = (script: string): PayoutRow => {
    let r = rows.get(script)
    if (r === undefined) {
      r = { script, shares: 0, uncles: 0, work: 0n, expected: 0n, paid: 0n }
      rows.set(script, r)
    }
    return r
  }
  for await (const { value } of result.view.createReadStream(RANGE.miners)) {
    const m = value as MinerValue
    const r = row(m.script)
    r.shares = m.shares
    r.uncles = m.uncles
    r.work = BigInt(m.work)
  }
  for (const b of blocks) {
    if (bitcoinChecked && b.bitcoin?.status !== 'in-best-chain') continue
    for (const o of b.expected ?? []) row(o.script).expected += BigInt(o.value)
    const paid = bitcoinChecked ? (b.bitcoin?.outputs ?? []) : (b.claimed ?? [])
    for (const o of paid) if (BigInt(o.value) > 0n) row(o.script).paid += BigInt(o.value)
  }
  return [...rows.values()].sort((a, b) => (a.expected !== b.expected ? (a.expected > b.expected ? -1 : 1) : a.work !== b.work ? (a.work > b.work ? -1 : 1) : a.script < b.script ? -1 : a.script > b.script ? 1 : 0))
}

