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
  if (coinbaseValue < 0n) throw new RangeError('coinbase value must not be negative')
  const finder = toHex(finderScript)
  const earned = proportionalAmounts(params, weights, coinbaseValue, finder)

  const ranked = rank(earned)
  const { kept, pot } = applyMinimumAndCap(params, ranked)
  const outputs: TxOutput[] = kept.map((r) => ({ script: r.bytes, value: r.amount }))
  const lottery = drawLottery(pot, lotterySeed)
  if (lottery !== null) outputs.push({ script: bytesOf(lottery.winner), value: lottery.pot })
  outputs.sort(compareOutputs)
  return { outputs, earned, lottery }
}

function proportionalAmounts(params: CoopParams, weights: Weights, value: bigint, finder: string): Map<string, bigint> {
  const bonus = (value * BigInt(params.finderBonusBps)) / 10_000n
  const distributable = value - bonus
  let total = 0n
  for (const w of weights.values()) total += w
  const amounts = new Map<string, bigint>()
  let paid = 0n
  if (total > 0n) {
    for (const [script, w] of weights) {
      if (w <= 0n) continue
      const a = (distributable * w) / total
      amounts.set(script, a)
      paid += a
    }
  }
  amounts.set(finder, (amounts.get(finder) ?? 0n) + (value - paid))
  return amounts
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

function rank(amounts: Map<string, bigint>): Ranked[] {
  const out: Ranked[] = []
  for (const [script, amount] of amounts) out.push({ script, bytes: bytesOf(script), amount })
  return out.sort((a, b) => (a.amount === b.amount ? compareBytes(a.bytes, b.bytes) : a.amount > b.amount ? -1 : 1))
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
