import { compareBytes, concatBytes, fromHex, toHex } from '../../src/bitcoin/bytes.js'
import { sha256 } from '../../src/bitcoin/hash.js'
import type { TxOutput } from '../../src/bitcoin/coinbase.js'
import type { CoopParams } from '../../protocol/params.js'

/**
 * SPEC.md §7.3-7.5 read literally, step by step, with no attention to speed: the oracle the
 * optimized split in src/sharechain/payouts.ts is checked against.
 */
export function referenceSplit(params: CoopParams, weights: ReadonlyMap<string, bigint>, value: bigint, finderScript: Uint8Array, seed: Uint8Array): { outputs: TxOutput[]; earned: Map<string, bigint>; lottery: { pot: bigint; members: number; winner: string } | null } {
  const finder = toHex(finderScript)
  const bonus = (value * BigInt(params.finderBonusBps)) / 10_000n
  const distributable = value - bonus
  const total = [...weights.values()].reduce((a, w) => a + w, 0n)
  const earned = new Map<string, bigint>()
  if (total > 0n) for (const [script, w] of weights) if (w > 0n) earned.set(script, (distributable * w) / total)
  const proportional = [...earned.values()].reduce((a, x) => a + x, 0n)
  earned.set(finder, (earned.get(finder) ?? 0n) + value - proportional)

  const byRank = (a: [string, bigint], b: [string, bigint]): number => (a[1] !== b[1] ? (a[1] > b[1] ? -1 : 1) : compareBytes(fromHex(a[0]), fromHex(b[0])))
  const ranked = [...earned].sort(byRank)
  const min = BigInt(Math.max(1, params.minPayout))
  const eligible = ranked.filter(([, a]) => a >= min)
  const below = ranked.filter(([, a]) => a < min)
  const fits = below.length === 0 && eligible.length <= params.maxOutputs
  const kept = fits ? eligible : eligible.slice(0, params.maxOutputs - 1)
  const pot = fits ? [] : [...eligible.slice(params.maxOutputs - 1), ...below]

  const outputs: TxOutput[] = kept.map(([s, a]) => ({ script: fromHex(s), value: a }))
  const potTotal = pot.reduce((a, [, x]) => a + x, 0n)
  let lottery = null
  if (potTotal > 0n) {
    const members = pot.filter(([, a]) => a > 0n).sort((a, b) => compareBytes(fromHex(a[0]), fromHex(b[0])))
    const draw = BigInt('0x' + toHex(sha256(concatBytes(new TextEncoder().encode('hashcoop/dust-lottery/v1'), seed)))) % potTotal
    let cumulative = 0n
    const winner = members.find(([, a]) => (cumulative += a) > draw) as [string, bigint]
    lottery = { pot: potTotal, members: members.length, winner: winner[0] }
    outputs.push({ script: fromHex(winner[0]), value: potTotal })
  }
  outputs.sort((a, b) => (a.value !== b.value ? (a.value > b.value ? -1 : 1) : compareBytes(a.script, b.script)))
  return { outputs, earned, lottery }
}
