import { compareBytes, concatBytes, fromHex, toHex } from '../../src/bitcoin/bytes.js'
import { sha256 } from '../../src/bitcoin/hash.js'
import { assembleCoinbase, buildCoinbaseParts, type TxOutput } from '../../src/bitcoin/coinbase.js'
import { witnessCommitmentScript } from '../../src/bitcoin/merkle.js'
import type { CoopParams } from '../../protocol/params.js'

/**
 * SPEC.md §7.3-7.6 read literally, step by step, with no attention to speed: the oracle the
 * optimized split in src/sharechain/payouts.ts is checked against.
 */
export interface ReferenceSplit {
  outputs: TxOutput[]
  earned: Map<string, bigint>
  lottery: { pot: bigint; members: number; winner: string } | null
}

type Amount = [script: string, amount: bigint]

export function referenceSplit(params: CoopParams, weights: ReadonlyMap<string, bigint>, value: bigint, finderScript: Uint8Array, seed: Uint8Array): ReferenceSplit {
  const earned = earnedAmounts(params, weights, value, toHex(finderScript))
  const ranked = [...earned].sort(byRank)
  const min = BigInt(Math.max(1, params.minPayout))
  const eligible = ranked.filter(([, a]) => a >= min)
  const below = ranked.filter(([, a]) => a < min)
  const fits = below.length === 0 && eligible.length <= params.maxOutputs
  const kept = fits ? eligible : eligible.slice(0, params.maxOutputs - 1)
  const pot = fits ? [] : [...eligible.slice(params.maxOutputs - 1), ...below]
  return withLottery(kept, pot, earned, seed)
}

/** The coinbase fields besides the payouts (SPEC.md §4) that a byte class's budget counts. */
export interface ReferenceShape {
  blockHeight: number
  extranonceSize: number
  tag: Uint8Array
  witnessCommitment: Uint8Array | null
}

/**
 * A byte class's split (SPEC.md §7.6): the finder's own output always (amount > 0); the others
 * ranked; all of them when all are at or above the minimum and the coinbase fits the budget with
 * no pot; else the longest ranked prefix at or above the minimum such that the coinbase with a pot
 * output of a 34-byte script still fits. Sizes are measured on the serialized coinbase.
 */
export function referenceClassSplit(params: CoopParams, weights: ReadonlyMap<string, bigint>, value: bigint, finderScript: Uint8Array, seed: Uint8Array, budget: number, shape: ReferenceShape): ReferenceSplit {
  const finder = toHex(finderScript)
  const earned = earnedAmounts(params, weights, value, finder)
  const others = [...earned].filter(([s]) => s !== finder).sort(byRank)
  const own: Amount[] = (earned.get(finder) ?? 0n) > 0n ? [[finder, earned.get(finder) as bigint]] : []
  const min = BigInt(Math.max(1, params.minPayout))
  const fitsBudget = (payouts: Amount[]): boolean => coinbaseBytes(payouts, shape) <= budget
  const potStandIn: Amount = ['51' + '20' + '00'.repeat(32), 0n]
  let kept: Amount[]
  if (others.every(([, a]) => a >= min) && fitsBudget([...own, ...others])) kept = others
  else {
    kept = []
    for (const o of others) {
      if (o[1] < min || !fitsBudget([...own, ...kept, o, potStandIn])) break
      kept.push(o)
    }
  }
  const pot = others.slice(kept.length)
  return withLottery([...own, ...kept], pot, earned, seed)
}

/** Bytes of the non-witness coinbase with these payouts (SPEC.md §4). */
export function coinbaseBytes(payouts: readonly Amount[], shape: ReferenceShape): number {
  const parts = buildCoinbaseParts({
    height: shape.blockHeight,
    extranonceSize: shape.extranonceSize,
    tag: shape.tag,
    witnessCommitment: shape.witnessCommitment === null ? null : witnessCommitmentScript(shape.witnessCommitment),
    payouts: payouts.map(([s, a]) => ({ script: fromHex(s), value: a })),
    commitment: new Uint8Array(32)
  })
  return assembleCoinbase(parts, new Uint8Array(shape.extranonceSize)).length
}

/** §7.3: proportional amounts, the bonus and every remainder to the finder. */
function earnedAmounts(params: CoopParams, weights: ReadonlyMap<string, bigint>, value: bigint, finder: string): Map<string, bigint> {
  const bonus = (value * BigInt(params.finderBonusBps)) / 10_000n
  const distributable = value - bonus
  const total = [...weights.values()].reduce((a, w) => a + w, 0n)
  const earned = new Map<string, bigint>()
  if (total > 0n) for (const [script, w] of weights) if (w > 0n) earned.set(script, (distributable * w) / total)
  const proportional = [...earned.values()].reduce((a, x) => a + x, 0n)
  earned.set(finder, (earned.get(finder) ?? 0n) + value - proportional)
  return earned
}

/** §7.4 ranking: amount descending, then script bytes ascending. */
function byRank(a: Amount, b: Amount): number {
  return a[1] !== b[1] ? (a[1] > b[1] ? -1 : 1) : compareBytes(fromHex(a[0]), fromHex(b[0]))
}

/** §7.4 lottery and §7.5 order: the kept outputs plus the pot paid whole to one drawn member. */
function withLottery(kept: readonly Amount[], pot: readonly Amount[], earned: Map<string, bigint>, seed: Uint8Array): ReferenceSplit {
  const outputs: TxOutput[] = kept.map(([s, a]) => ({ script: fromHex(s), value: a }))
  const potTotal = pot.reduce((a, [, x]) => a + x, 0n)
  let lottery = null
  if (potTotal > 0n) {
    const members = pot.filter(([, a]) => a > 0n).sort((a, b) => compareBytes(fromHex(a[0]), fromHex(b[0])))
    const draw = BigInt('0x' + toHex(sha256(concatBytes(new TextEncoder().encode('hashcoop/dust-lottery/v1'), seed)))) % potTotal
    let cumulative = 0n
    const winner = members.find(([, a]) => (cumulative += a) > draw) as Amount
    lottery = { pot: potTotal, members: members.length, winner: winner[0] }
    outputs.push({ script: fromHex(winner[0]), value: potTotal })
  }
  outputs.sort((a, b) => (a.value !== b.value ? (a.value > b.value ? -1 : 1) : compareBytes(a.script, b.script)))
  return { outputs, earned, lottery }
}
