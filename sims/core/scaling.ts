import { bitsToTarget, targetToBits, targetToWork } from '../../src/bitcoin/target.js'
import { sha256 } from '../../src/bitcoin/hash.js'
import { defaultParams, type CoopParams, type ParamsOverrides } from '../../protocol/params.js'

/**
 * How the simulator scales proof of work.
 *
 * Real share targets (hundreds of millions of hashes per share) cannot be ground on a laptop, so
 * hashrates in the simulator are virtual: a miner of real hashrate h gets the virtual hashrate
 * k x h, where k is chosen so that the whole cooperative finds one share per share interval at the
 * equilibrium share target SIM_SHARE_BITS (about 2^248: 256 real hashes per share). Time is
 * simulated: a miner finds its next share after Exp(work(target) / (k x h)) simulated seconds, and
 * the share it then builds is real (real coinbase, real merkle root) and really ground to meet
 * the real target its view dictates. The Bitcoin network is scaled by the same k, so the block
 * target in every header keeps the real odds: P(block | share) = work(share) / work(block) =
 * shareInterval x coopHashrate / (600 s x networkHashrate). Every output is a ratio or a rate,
 * which k leaves unchanged.
 */

/** The equilibrium share target of every simulation: 0xffff x 2^232, about 2^248. */
export const SIM_SHARE_BITS = 0x2000ffff
/** The cooperative maximum (stage-1 anti-spam bound) in the simulator: 16x easier than equilibrium. */
export const SIM_MAX_SHARE_BITS = 0x200fffff
/** Bitcoin's target block interval. */
export const BITCOIN_BLOCK_SECONDS = 600
export const SIM_GENESIS_TIME = 1_800_000_000

export const SATS_PER_BTC = 100_000_000
/** The block reward the simulations assume: subsidy 3.125 BTC plus 0.03 BTC of fees. */
export const SUBSIDY_SATS = 312_500_000n
export const FEES_SATS = 3_000_000n
export const COINBASE_VALUE = SUBSIDY_SATS + FEES_SATS
/** Bitcoin network hashrate assumed where real odds matter (H/s). */
export const NETWORK_HASHRATE = 800e18

export const TH = 1e12
export const PH = 1e15
export const EH = 1e18

/**
 * Consensus parameters for a simulated cooperative: mainnet's defaults (SPEC.md §9) on the
 * regtest network, whose proof-of-work limit admits the scaled targets; overrides on top.
 */
export function simParams(seed: number, overrides: ParamsOverrides = {}): CoopParams {
  const salt = sha256(new TextEncoder().encode(`hashcoop-sim/${seed}`))
  const m = defaultParams('mainnet', salt, SIM_GENESIS_TIME)
  return defaultParams('regtest', salt, SIM_GENESIS_TIME, {
    shareInterval: m.shareInterval,
    halfLife: m.halfLife,
    windowShares: m.windowShares,
    maxUncles: m.maxUncles,
    uncleDepth: m.uncleDepth,
    uncleWeightBps: m.uncleWeightBps,
    finderBonusBps: m.finderBonusBps,
    minPayout: m.minPayout,
    maxOutputs: m.maxOutputs,
    name: 'hashcoop-sim',
    maxShareBits: SIM_MAX_SHARE_BITS,
    initialShareBits: SIM_SHARE_BITS,
    ...overrides
  })
}

export interface Scale {
  /** Virtual hashes per second per real hash per second. */
  virtualPerReal: number
  /** Compact bits of the scaled Bitcoin target, written in every header. */
  blockBits: number
  blockTarget: bigint
}

/**
 * The scale for a cooperative of `coopHashrate` (real H/s) on a network of `networkHashrate`:
 * shares at `initialShareBits` come once per `shareInterval`, blocks at the network's odds.
 */
export function makeScale(params: CoopParams, coopHashrate: number, networkHashrate: number): Scale {
  if (!(coopHashrate > 0) || !(networkHashrate > 0)) throw new RangeError('hashrates must be positive')
  const shareWork = Number(targetToWork(bitsToTarget(params.initialShareBits)))
  const virtualPerReal = shareWork / (params.shareInterval * coopHashrate)
  const blockWork = virtualPerReal * networkHashrate * BITCOIN_BLOCK_SECONDS
  if (blockWork < shareWork) throw new RangeError('the network must out-hash the cooperative')
  const blockTarget = bitsToTarget(targetToBits((1n << 256n) / BigInt(Math.round(blockWork)) - 1n))
  return { virtualPerReal, blockBits: targetToBits(blockTarget), blockTarget }
}

/** P(a share at `shareTarget` also meets the block target): its hash is uniform in [0, target]. */
export function blockProbability(scale: Scale, shareTarget: bigint): number {
  if (scale.blockTarget >= shareTarget) return 1
  return Number(((scale.blockTarget + 1n) * 1_000_000_000_000n) / (shareTarget + 1n)) / 1e12
}

/** The network hashrate that makes one share in `shares` a block (to get many blocks in a short run). */
export function networkForBlockEvery(params: CoopParams, coopHashrate: number, shares: number): number {
  return (coopHashrate * params.shareInterval * shares) / BITCOIN_BLOCK_SECONDS
}
