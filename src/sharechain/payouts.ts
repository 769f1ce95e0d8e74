import { compareBytes, concatBytes, fromHex, toHex } from '../bitcoin/bytes.js'
import { sha256 } from '../bitcoin/hash.js'
import type { TxOutput } from '../bitcoin/coinbase.js'
import type { CoopParams } from '../../protocol/params.js'

/**
 * The PPLNS split of one coinbase (SPEC.md §7). Input: credited work per payout script over the
 * window at the parent; output: the payout outputs, summing exactly to the coinbase value.
 *
 *  1. finder bonus = value x finderBonusBps / 10^4 (floor); the rest D is split by work:
 *     each script gets floor(D x work / total work); the rounding remainder goes to the finder.
 *  2. amounts are ranked (amount descending, then script bytes ascending); amounts of at least
 *     minPayout keep their own output while they fit under maxOutputs (one slot is held back for
 *     the lottery when anything is left over).
 *  3. everything else (below minPayout, or beyond the cap) forms one pot, paid whole to one of its
 *     members drawn with probability proportional to their amounts, from a hash of the parent id:
 *     each member's expected payment equals its amount exactly, and the coinbase stays small.
 */

/** Credited work per payout script (hex), as the window computes it. */
export type Weights = ReadonlyMap<string, bigint>

export interface PayoutSplit {
  outputs: TxOutput[]
  /** Per-script amounts before the minimum/cap rules (what each miner earned in expectation). */
  earned: Map<string, bigint>
  /** The lottery, when one was drawn. */
  lottery: { pot: bigint; members: number; winner: string } | null
}

const LOTTERY_DOMAIN = new TextEncoder().encode('hashcoop/dust-lottery/v1')

interface Ranked {
  script: string
  bytes: Uint8Array
  amount: bigint
}

export function splitCoinbase(params: CoopParams, weights: Weights, coinbaseValue: bigint, finderScript: Uint8Array, lotterySeed: Uint8Array): PayoutSplit {
  return finishSplit(params, prepareSplit(params, weights, coinbaseValue), finderScript, lotterySeed)
}

/**
 * The finder-independent part of a split: every script's proportional amount, ranked. A job is
 * made for many miners at one parent; only the finder's amount differs between them, so this is
 * computed once per (parent, value) and finishSplit moves one entry.
 */
export interface SplitBase {
  value: bigint
  /** value minus the proportional amounts: the finder bonus plus the rounding remainder. */
  toFinder: bigint
  ranked: readonly Ranked[]
  amountOf: ReadonlyMap<string, bigint>
}

export function prepareSplit(params: CoopParams, weights: Weights, value: bigint): SplitBase {
  if (value < 0n) throw new RangeError('coinbase value must not be negative')
  const bonus = (value * BigInt(params.finderBonusBps)) / 10_000n
  const distributable = value - bonus
  let total = 0n
  for (const w of weights.values()) total += w
  const amountOf = new Map<string, bigint>()
  let paid = 0n
  if (total > 0n) {
    for (const [script, w] of weights) {
      if (w <= 0n) continue
      const a = (distributable * w) / total
      amountOf.set(script, a)
      paid += a
    }
  }
  const ranked = [...amountOf].map(([script, amount]) => ({ script, bytes: bytesOf(script), amount })).sort(compareRanked)
  return { value, toFinder: value - paid, ranked, amountOf }
}

export function finishSplit(params: CoopParams, base: SplitBase, finderScript: Uint8Array, lotterySeed: Uint8Array): PayoutSplit {
  const finder = toHex(finderScript)
  const finderEntry: Ranked = { script: finder, bytes: bytesOf(finder), amount: (base.amountOf.get(finder) ?? 0n) + base.toFinder }
  const ranked = base.ranked.filter((r) => r.script !== finder)
  ranked.splice(insertionIndex(ranked, finderEntry), 0, finderEntry)
  const earned = new Map(base.amountOf)
  earned.set(finder, finderEntry.amount)

  const { kept, pot } = applyMinimumAndCap(params, ranked)
  const outputs: TxOutput[] = kept.map((r) => ({ script: r.bytes, value: r.amount }))
  const lottery = drawLottery(pot, lotterySeed)
  if (lottery !== null) outputs.push({ script: bytesOf(lottery.winner), value: lottery.pot })
  outputs.sort(compareOutputs)
  return { outputs, earned, lottery }
}

/** Ranking order: amount descending, then script bytes ascending. */
function compareRanked(a: Ranked, b: Ranked): number {
  return a.amount === b.amount ? compareBytes(a.bytes, b.bytes) : a.amount > b.amount ? -1 : 1
}

function insertionIndex(sorted: readonly Ranked[], entry: Ranked): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (compareRanked(sorted[mid] as Ranked, entry) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Script bytes by hex: payout scripts recur in every split, so decode each once (bounded). */
const scriptBytes = new Map<string, Uint8Array>()
function bytesOf(script: string): Uint8Array {
  let b = scriptBytes.get(script)
  if (b === undefined) {
    if (scriptBytes.size >= 100_000) scriptBytes.clear()
    b = fromHex(script)
    scriptBytes.set(script, b)
  }
  return b
}

function applyMinimumAndCap(params: CoopParams, ranked: Ranked[]): { kept: Ranked[]; pot: Ranked[] } {
  const min = BigInt(Math.max(1, params.minPayout))
  const eligible = ranked.filter((r) => r.amount >= min)
  const rest = ranked.filter((r) => r.amount < min)
  if (rest.length === 0 && eligible.length <= params.maxOutputs) return { kept: eligible, pot: [] }
  const slots = params.maxOutputs - 1
  return { kept: eligible.slice(0, slots), pot: [...eligible.slice(slots), ...rest] }
}

function drawLottery(pot: Ranked[], seed: Uint8Array): PayoutSplit['lottery'] {
  let total = 0n
  for (const r of pot) total += r.amount
  if (total === 0n) return null
  const members = pot.filter((r) => r.amount > 0n).sort((a, b) => compareBytes(a.bytes, b.bytes))
  const draw = BigInt('0x' + toHex(sha256(concatBytes(LOTTERY_DOMAIN, seed)))) % total
  let cumulative = 0n
  for (const m of members) {
    cumulative += m.amount
    if (draw < cumulative) return { pot: total, members: members.length, winner: m.script }
  }
  throw new Error('unreachable: lottery draw beyond the pot')
}

/** Coinbase payout order: amount descending, then script bytes ascending. */
export function compareOutputs(a: TxOutput, b: TxOutput): number {
  if (a.value !== b.value) return a.value > b.value ? -1 : 1
  return compareBytes(a.script, b.script)
}
