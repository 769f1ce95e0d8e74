import { compareBytes, concatBytes, fromHex, toHex, varintSize } from '../bitcoin/bytes.js'
import { sha256 } from '../bitcoin/hash.js'
import { outputSizeFor, type TxOutput } from '../bitcoin/coinbase.js'
import type { CoopParams } from '../../protocol/params.js'
import type { ClassLimit } from './classes.js'

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
 *
 * Every share is checked against its split, so this runs once per share on a replay: it is written
 * to allocate little (no intermediate maps or filtered copies). Scripts are compared as lowercase
 * hex strings, whose order is their bytes' order.
 */

/** Credited work per payout script (lowercase hex, as toHex writes it), as the window computes it. */
export type Weights = ReadonlyMap<string, bigint>

export interface PayoutSplit {
  outputs: TxOutput[]
  /** Per-script amounts before the minimum/cap rules (what each miner earned in expectation). */
  readonly earned: ReadonlyMap<string, bigint>
  /** The lottery, when one was drawn. */
  lottery: { pot: bigint; members: number; winner: string } | null
}

const LOTTERY_DOMAIN = new TextEncoder().encode('hashcoop/dust-lottery/v1')

/** One script's proportional amount; `slot` is its index in SplitBase.byScript (-1: not there). */
interface Entry {
  readonly script: string
  readonly amount: bigint
  readonly slot: number
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
  /** Every script with positive work and its proportional amount, in ranking order. */
  ranked: readonly Entry[]
  /** The same entries in script order (the lottery's order). */
  byScript: readonly Entry[]
}

/**
 * `previous`, the base of a nearby share (the parent's, typically), only speeds the sorting up:
 * consecutive windows hold the same scripts in nearly the same ranking, and both orders are total
 * (scripts are distinct), so the result is the same with any hint or none.
 */
export function prepareSplit(params: CoopParams, weights: Weights, value: bigint, previous?: SplitBase): SplitBase {
  if (value < 0n) throw new RangeError('coinbase value must not be negative')
  const bonus = (value * BigInt(params.finderBonusBps)) / 10_000n
  const distributable = value - bonus
  let total = 0n
  let positive = 0
  // forEach rather than for-of: no [key, value] pair is allocated per script.
  weights.forEach((w) => {
    total += w
    if (w > 0n) positive++
  })
  if (total <= 0n) return { value, toFinder: value, ranked: [], byScript: [] }
  // The same scripts as the previous base: its script order holds, and its ranking is nearly right.
  const reused = previous !== undefined && previous.byScript.length === positive ? reweigh(previous, weights, distributable, total) : null
  const byScript = reused ?? freshEntries(weights, distributable, total)
  let paid = 0n
  for (const e of byScript) paid += e.amount
  const ranked = reused !== null ? (previous as SplitBase).ranked.map((r) => reused[r.slot] as Entry) : byScript.slice()
  ranked.sort(compareRanked) // a merge sort: fast on the nearly sorted hint
  return { value, toFinder: value - paid, ranked, byScript }
}

/**
 * The previous base's scripts, in their (script) order, with new amounts; null if one has no
 * positive weight. The caller checked the counts are equal, so non-null means the same scripts.
 */
function reweigh(previous: SplitBase, weights: Weights, distributable: bigint, total: bigint): Entry[] | null {
  const out: Entry[] = new Array<Entry>(previous.byScript.length)
  for (let i = 0; i < out.length; i++) {
    const script = (previous.byScript[i] as Entry).script
    const w = weights.get(script)
    if (w === undefined || w <= 0n) return null
    out[i] = { script, amount: (distributable * w) / total, slot: i }
  }
  return out
}

function freshEntries(weights: Weights, distributable: bigint, total: bigint): Entry[] {
  const scripts: string[] = []
  weights.forEach((w, script) => {
    if (w <= 0n) return
    bytesOf(script) // checks the spelling
    scripts.push(script)
  })
  scripts.sort()
  return scripts.map((script, slot) => ({ script, amount: (distributable * (weights.get(script) as bigint)) / total, slot }))
}

export function finishSplit(params: CoopParams, base: SplitBase, finderScript: Uint8Array, lotterySeed: Uint8Array): PayoutSplit {
  const finder = toHex(finderScript)
  const { ranked, finderEntry } = rankWithFinder(base, finder)
  const min = BigInt(Math.max(1, params.minPayout))
  // Ranked by amount descending, so the amounts at or above the minimum are a prefix.
  let eligible = 0
  while (eligible < ranked.length && (ranked[eligible] as Entry).amount >= min) eligible++
  const kept = eligible === ranked.length && eligible <= params.maxOutputs ? eligible : Math.min(eligible, params.maxOutputs - 1)

  const outputs = ownOutputs(ranked, kept)
  const lottery = drawLottery(base, ranked, kept, finderEntry, lotterySeed)
  addPrize(outputs, lottery)
  return new Split(outputs, lottery, base, finderEntry)
}

/** The first `kept` of `ranked` as outputs: already in coinbase order (the ranking order). */
function ownOutputs(ranked: readonly Entry[], kept: number): TxOutput[] {
  const outputs: TxOutput[] = new Array<TxOutput>(kept)
  for (let i = 0; i < kept; i++) {
    const r = ranked[i] as Entry
    outputs[i] = { script: bytesOf(r.script), value: r.amount }
  }
  return outputs
}

/** Slots the lottery's prize, if any, into `outputs` at its place in coinbase order. */
function addPrize(outputs: TxOutput[], lottery: PayoutSplit['lottery']): void {
  if (lottery === null) return
  const prize: TxOutput = { script: bytesOf(lottery.winner), value: lottery.pot }
  outputs.splice(insertionIndex(outputs, prize, compareOutputs), 0, prize)
}

/**
 * The split of a byte class (SPEC.md §7.6). The finder always has its own output (when its amount
 * is not zero); the other scripts, ranked as in §7.4, keep their own outputs while they are at or
 * above the minimum and the coinbase stays within the class's budget, counting a pot output at
 * POT_OUTPUT_BYTES; everyone after goes into the same lottery pot, drawn with the same seed.
 */
export function finishClassSplit(params: CoopParams, base: SplitBase, finderScript: Uint8Array, lotterySeed: Uint8Array, limit: ClassLimit): PayoutSplit {
  const finder = toHex(finderScript)
  const { others, finderEntry } = separateFinder(base, finder)
  const finderPaid = finderEntry.amount > 0n
  const kept = keptWithinBudget(params, others, finderPaid ? hexOutputSize(finder) : 0, finderPaid ? 1 : 0, limit)
  const outputs = ownOutputs(others, kept)
  if (finderPaid) {
    const mine: TxOutput = { script: finderScript, value: finderEntry.amount }
    outputs.splice(insertionIndex(outputs, mine, compareOutputs), 0, mine)
  }
  // The finder is not among `others`, so it is never in the pot (drawLottery skips its slot).
  const lottery = drawLottery(base, others, kept, finderEntry, lotterySeed)
  addPrize(outputs, lottery)
  return new Split(outputs, lottery, base, finderEntry)
}

/**
 * The pot's output is counted at the largest standard payout output (P2WSH, P2TR: a 34-byte script,
 * 43 bytes), because its script is drawn only once the kept outputs, and so the pot, are fixed.
 */
export const POT_OUTPUT_BYTES = outputSizeFor(34)

/** Serialized size of an output whose script is held as hex (as a split's entries hold it). */
const hexOutputSize = (scriptHex: string): number => outputSizeFor(scriptHex.length >> 1)

/**
 * How many of `others` (ranked) keep their own outputs: all when all are at or above the minimum
 * and fit without a pot; else the longest prefix at or above the minimum that fits with a pot.
 */
function keptWithinBudget(params: CoopParams, others: readonly Entry[], finderBytes: number, finderOutputs: number, limit: ClassLimit): number {
  const min = BigInt(Math.max(1, params.minPayout))
  const fits = (payouts: number, bytes: number): boolean => bytes + varintSize(payouts + limit.otherOutputs) <= limit.payoutBytes
  let bytes = finderBytes
  let allEligible = true
  for (const r of others) {
    if (r.amount < min) {
      allEligible = false
      break
    }
    bytes += hexOutputSize(r.script)
  }
  if (allEligible && fits(finderOutputs + others.length, bytes)) return others.length
  let kept = 0
  bytes = finderBytes + POT_OUTPUT_BYTES
  while (kept < others.length) {
    const r = others[kept] as Entry
    if (r.amount < min) break
    const next = bytes + hexOutputSize(r.script)
    if (!fits(finderOutputs + kept + 2, next)) break
    bytes = next
    kept++
  }
  return kept
}

/** A split's outputs and lottery; the per-script amounts are built only when asked for. */
class Split implements PayoutSplit {
  private earnedMap: Map<string, bigint> | null = null

  constructor(
    readonly outputs: TxOutput[],
    readonly lottery: PayoutSplit['lottery'],
    private readonly base: SplitBase,
    private readonly finder: Entry
  ) {}

  get earned(): ReadonlyMap<string, bigint> {
    if (this.earnedMap === null) {
      this.earnedMap = new Map(this.base.byScript.map((r) => [r.script, r.amount]))
      this.earnedMap.set(this.finder.script, this.finder.amount)
    }
    return this.earnedMap
  }
}

/**
 * The base ranking with the finder's entry raised by the bonus and remainder, moved into place.
 * The finder's entry keeps its base slot (-1 when it has no work in the window).
 */
function rankWithFinder(base: SplitBase, finder: string): { ranked: Entry[]; finderEntry: Entry } {
  const { others: ranked, finderEntry } = separateFinder(base, finder)
  ranked.splice(insertionIndex(ranked, finderEntry, compareRanked), 0, finderEntry)
  return { ranked, finderEntry }
}

/** The ranking without the finder (a copy), and the finder's entry: its window amount plus the bonus and remainders. */
function separateFinder(base: SplitBase, finder: string): { others: Entry[]; finderEntry: Entry } {
  const others = base.ranked.slice()
  const at = others.findIndex((r) => r.script === finder)
  const own = at < 0 ? undefined : (others[at] as Entry)
  if (at >= 0) others.splice(at, 1)
  return { others, finderEntry: { script: finder, amount: (own?.amount ?? 0n) + base.toFinder, slot: own?.slot ?? -1 } }
}

/** Ranking order: amount descending, then script bytes ascending. */
function compareRanked(a: Entry, b: Entry): number {
  if (a.amount !== b.amount) return a.amount > b.amount ? -1 : 1
  return a.script < b.script ? -1 : a.script > b.script ? 1 : 0
}

function insertionIndex<T>(sorted: readonly T[], entry: T, compare: (a: T, b: T) => number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (compare(sorted[mid] as T, entry) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

const LOWER_HEX = /^(?:[0-9a-f]{2})*$/

/**
 * Script bytes by hex: payout scripts recur in every split, so decode each once (bounded). Hex
 * order is bytes order only for one spelling of hex: any other is refused here, where every
 * script is first seen.
 */
const scriptBytes = new Map<string, Uint8Array>()
function bytesOf(script: string): Uint8Array {
  let b = scriptBytes.get(script)
  if (b === undefined) {
    if (!LOWER_HEX.test(script)) throw new Error(`payout script key is not lowercase hex: ${JSON.stringify(script.slice(0, 80))}`)
    if (scriptBytes.size >= 100_000) scriptBytes.clear()
    b = fromHex(script)
    scriptBytes.set(script, b)
  }
  return b
}

/**
 * The pot is ranked[from..]; its members are drawn in script order, each weighted by its amount.
 * The script order comes from base.byScript (no sort): the finder's entry stands in for its base
 * entry, or joins at its place in the order when it has none.
 */
function drawLottery(base: SplitBase, ranked: readonly Entry[], from: number, finder: Entry, seed: Uint8Array): PayoutSplit['lottery'] {
  const inPot = new Uint8Array(base.byScript.length)
  let finderInPot = false
  let total = 0n
  let members = 0
  for (let i = from; i < ranked.length; i++) {
    const r = ranked[i] as Entry
    total += r.amount
    if (r.amount > 0n) members++
    if (r === finder) finderInPot = true
    else inPot[r.slot] = 1
  }
  if (total === 0n) return null
  const draw = BigInt('0x' + toHex(sha256(concatBytes(LOTTERY_DOMAIN, seed)))) % total
  let cumulative = 0n
  const wins = (m: Entry): boolean => {
    cumulative += m.amount
    return draw < cumulative
  }
  let finderPending = finderInPot && finder.slot < 0
  for (const e of base.byScript) {
    if (finderPending && finder.script < e.script) {
      finderPending = false
      if (wins(finder)) return { pot: total, members, winner: finder.script }
    }
    const member = e.slot === finder.slot ? (finderInPot ? finder : null) : inPot[e.slot] === 1 ? e : null
    if (member !== null && wins(member)) return { pot: total, members, winner: member.script }
  }
  if (finderPending && wins(finder)) return { pot: total, members, winner: finder.script }
  throw new Error('unreachable: lottery draw beyond the pot')
}

/** Coinbase payout order: amount descending, then script bytes ascending. */
export function compareOutputs(a: TxOutput, b: TxOutput): number {
  if (a.value !== b.value) return a.value > b.value ? -1 : 1
  return compareBytes(a.script, b.script)
}

/**
 * The split of every finder outside the window, as fixed outputs plus one that varies with the
 * finder. A job is handed to thousands of miners with distinct addresses; with this the work layer
 * patches one output and one commitment into a shared coinbase instead of splitting per miner.
 *
 * With the finder's amount F tied by no window entry, every outsider ranks at the same place, so
 * the kept outputs and the pot are the same for all of them; the script matters only for
 *  - a kept finder: its own output (the variable one; the lottery prize is fixed), or
 *  - a finder in the pot: where it falls in the pot's script order, hence who wins the prize
 *    (the variable output; the finder's own amount is then inside the pot).
 * It is null (split each finder with finishSplit) on a tie with F, a prize equal to F beside a kept
 * finder, or an empty pot. Equality with finishSplit is a property test (coinbase-layout.test.ts).
 */
export interface OutsiderSplit {
  /** The outputs every outsider's coinbase has, in order, without the variable one. */
  fixed: readonly TxOutput[]
  /** The variable output for a finder outside the window, and its index among all outputs. */
  variableFor(finderScript: Uint8Array): { index: number; output: TxOutput }
  /** True when the script (lowercase hex) has work in the window: such a finder needs finishSplit. */
  isInWindow(scriptHex: string): boolean
}

const NO_SCRIPT = new Uint8Array(0)

export function outsiderSplit(params: CoopParams, base: SplitBase, lotterySeed: Uint8Array): OutsiderSplit | null {
  const finderAmount = base.toFinder
  for (const e of base.ranked) if (e.amount === finderAmount) return null
  // The split of a stand-in outsider: the empty script, which no window entry has.
  const probe = finishSplit(params, base, NO_SCRIPT, lotterySeed)
  const inWindow = new Set(base.byScript.map((e) => e.script))
  const isInWindow = (scriptHex: string): boolean => inWindow.has(scriptHex)
  const lottery = probe.lottery
  const finderKept = probe.outputs.some((o) => o.script.length === 0) && lottery?.winner !== ''
  if (finderKept) {
    if (lottery !== null && lottery.pot === finderAmount) return null // prize and finder order by script
    const index = probe.outputs.findIndex((o) => o.script.length === 0)
    const fixed = probe.outputs.filter((_, i) => i !== index)
    return { fixed, isInWindow, variableFor: (script) => ({ index, output: { script, value: finderAmount } }) }
  }
  if (lottery === null) return null // an empty pot: no prize output
  const fixed = probe.outputs.filter((o) => toHex(o.script) !== lottery.winner)
  return { fixed, isInWindow, variableFor: potDraw(base, fixed, finderAmount, lottery.pot, lotterySeed) }
}

/**
 * outsiderSplit for a byte class and finders whose scripts are `finderScriptLength` bytes long: an
 * outsider finder always has its own output, and the kept outputs and the pot depend on its
 * script only through that length (its output's size), so every such finder's coinbase is the
 * fixed outputs plus its own, at its place in the output order. Null when the finder's amount is
 * zero (no own output).
 */
export function outsiderClassSplit(params: CoopParams, base: SplitBase, lotterySeed: Uint8Array, limit: ClassLimit, finderScriptLength: number): OutsiderSplit | null {
  const finderAmount = base.toFinder
  if (finderAmount === 0n) return null
  // A stand-in of that length: all zero bytes, not a standard script, so in no window.
  const probe = new Uint8Array(finderScriptLength)
  const inWindow = new Set(base.byScript.map((e) => e.script))
  if (inWindow.has(toHex(probe))) return null
  const outputs = finishClassSplit(params, base, probe, lotterySeed, limit).outputs
  const fixed = outputs.filter((o) => o.script !== probe)
  return {
    fixed,
    isInWindow: (scriptHex) => inWindow.has(scriptHex),
    variableFor: (script) => {
      if (script.length !== finderScriptLength) throw new RangeError(`this layout is for ${finderScriptLength}-byte scripts, got ${script.length}`)
      const output: TxOutput = { script, value: finderAmount }
      return { index: insertionIndex(fixed, output, compareOutputs), output }
    }
  }
}

/**
 * The prize for an outsider finder in the pot, as drawLottery computes it: the pot's members in
 * script order with the finder inserted at its place; the draw falls on the finder, or on the
 * member it would fall on with the finder's amount counted before it (or not, when after).
 */
function potDraw(base: SplitBase, kept: readonly TxOutput[], finderAmount: bigint, pot: bigint, seed: Uint8Array): OutsiderSplit['variableFor'] {
  const keptScripts = new Set(kept.map((o) => toHex(o.script)))
  const members = base.byScript.filter((e) => !keptScripts.has(e.script)) // script order
  const cumulative: bigint[] = []
  let sum = 0n
  for (const m of members) cumulative.push((sum += m.amount))
  const draw = BigInt('0x' + toHex(sha256(concatBytes(LOTTERY_DOMAIN, seed)))) % pot
  /** The first member whose cumulative amount (shifted by `shift`) passes the draw. */
  const memberAt = (shift: bigint): number => firstIndex(cumulative.length, (j) => (cumulative[j] as bigint) + shift > draw)
  const withoutFinder = memberAt(0n)
  const withFinderFirst = memberAt(finderAmount)
  return (finderScript) => {
    const finder = toHex(finderScript)
    const before = firstIndex(members.length, (j) => finder < (members[j] as Entry).script) // members ahead of the finder
    const sumBefore = before === 0 ? 0n : (cumulative[before - 1] as bigint)
    let winner: Uint8Array
    if (withoutFinder < before) winner = bytesOf((members[withoutFinder] as Entry).script)
    else if (draw < sumBefore + finderAmount) winner = finderScript
    else winner = bytesOf((members[withFinderFirst] as Entry).script)
    const output: TxOutput = { script: winner, value: pot }
    return { index: insertionIndex(kept, output, compareOutputs), output }
  }
}

/** The first index in [0, n) where the monotone predicate holds (n when none). */
function firstIndex(n: number, holds: (i: number) => boolean): number {
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (holds(mid)) hi = mid
    else lo = mid + 1
  }
  return lo
}
