import { sha256 } from '@noble/hashes/sha2.js'
import { bitsToTarget, difficultyToTarget, targetToBits } from '../src/bitcoin/target.js'
import { NETWORKS, isNetworkName, type NetworkName } from '../src/bitcoin/networks.js'
import { concatBytes } from '../src/bitcoin/bytes.js'
import { boundedArray, boundedUint, decode, encode, fixedBytes, uint32, utf8, type Codec } from './codec.js'
import { PROTOCOL_VERSION } from './version.js'

/**
 * The cooperative's genesis record: every consensus parameter, fixed at `hashcoop init`.
 * Its hash is the consensus id (SPEC.md §2). Field order here IS the wire order.
 */
export interface CoopParams {
  /** Genesis record format version (= the protocol version, 2). */
  version: number
  network: NetworkName
  /** A human label; consensus-relevant only through the consensus id. */
  name: string
  /** Unix seconds. The first share's timestamp must be later. */
  createdAt: number
  /** Target seconds between shares. */
  shareInterval: number
  /** ASERT half-life in seconds: how fast the share target follows hashrate. */
  halfLife: number
  /**
   * Most seconds a share's chain time may run ahead of its parent's (SPEC.md §5.1): bounds what a
   * timestamp can do to the retarget and to the median time past.
   */
  maxTimeStep: number
  /** PPLNS window length, in main-chain shares counted back from the parent. */
  windowShares: number
  /** Most uncles one share may reference. */
  maxUncles: number
  /** Most share heights an uncle may lag its includer by. */
  uncleDepth: number
  /** Part of an uncle's work credited to the uncle's miner, in basis points; the includer gets the rest. */
  uncleWeightBps: number
  /** Part of the coinbase value paid to the share that is the block, in basis points. */
  finderBonusBps: number
  /** Amounts below this (satoshis) are paid by the dust lottery (SPEC.md §7.4). */
  minPayout: number
  /** Most payout outputs in a coinbase of the full class (coinbase class 0; SPEC.md §7.4). */
  maxOutputs: number
  /**
   * Byte budgets of the coinbase classes 1..n, ascending (SPEC.md §7.6): the most bytes the whole
   * non-witness coinbase transaction of a share of that class may take, for firmware that cannot
   * take a larger one. Class 0, "full", is bounded by maxOutputs only.
   */
  coinbaseClasses: number[]
  /** Easiest share target allowed at all, in compact form (the stage-1 anti-spam bound). */
  maxShareBits: number
  /** Share target of the first share, in compact form. */
  initialShareBits: number
  /** 32 random bytes: two cooperatives with equal parameters still get distinct ids. */
  salt: Uint8Array
}

export const GENESIS_VERSION = PROTOCOL_VERSION
const MAX_U32 = 0xffffffff

/** At most 16 byte classes (the share's class index is one byte; 16 covers every firmware family). */
export const MAX_COINBASE_CLASSES = 16
/** A byte class above 1 MB would not fit a block's weight; the full class covers large coinbases. */
export const MAX_COINBASE_CLASS_BYTES = 1_000_000
/**
 * The smallest byte budget a class may have: the largest coinbase without payouts (version 4,
 * input count 1, prevout 36, scriptSig 1 + 100, sequence 4, output count 1, witness commitment 47,
 * share commitment 43, lock time 4 = 241 bytes) plus the finder's and the pot's outputs at the
 * largest standard size (43 bytes each, P2WSH/P2TR). Every class can then always be built.
 */
export const MIN_COINBASE_CLASS_BYTES = 241 + 2 * 43
/** The default byte classes: NiceHash-style proxies, stock S19, stock S21, Whatsminer (SPEC.md §9). */
export const DEFAULT_COINBASE_CLASSES: readonly number[] = [500, 750, 2250, 6500]

const coinbaseClassesCodec = boundedArray(boundedUint(MAX_COINBASE_CLASS_BYTES, 'coinbase class bytes'), MAX_COINBASE_CLASSES, 'coinbase classes')

export const coopParamsCodec: Codec<CoopParams> = {
  preencode(state, p) {
    for (const [codec, v] of fields(p)) (codec as Codec<unknown>).preencode(state, v)
  },
  encode(state, p) {
    for (const [codec, v] of fields(p)) (codec as Codec<unknown>).encode(state, v)
  },
  decode(state) {
    const version = boundedUint(255, 'genesis version').decode(state)
    const network = utf8.decode(state)
    if (!isNetworkName(network)) throw new RangeError(`unknown network '${network}'`)
    return {
      version,
      network,
      name: utf8.decode(state),
      createdAt: boundedUint(MAX_U32, 'createdAt').decode(state),
      shareInterval: boundedUint(86400, 'shareInterval').decode(state),
      halfLife: boundedUint(10_000_000, 'halfLife').decode(state),
      maxTimeStep: boundedUint(86400, 'maxTimeStep').decode(state),
      windowShares: boundedUint(1_000_000, 'windowShares').decode(state),
      maxUncles: boundedUint(16, 'maxUncles').decode(state),
      uncleDepth: boundedUint(64, 'uncleDepth').decode(state),
      uncleWeightBps: boundedUint(10_000, 'uncleWeightBps').decode(state),
      finderBonusBps: boundedUint(10_000, 'finderBonusBps').decode(state),
      minPayout: boundedUint(2_100_000_000_000_000, 'minPayout').decode(state),
      maxOutputs: boundedUint(10_000, 'maxOutputs').decode(state),
      coinbaseClasses: coinbaseClassesCodec.decode(state),
      maxShareBits: uint32.decode(state),
      initialShareBits: uint32.decode(state),
      salt: fixedBytes(32).decode(state)
    }
  }
}

function fields(p: CoopParams): [Codec<never>, unknown][] {
  return [
    [boundedUint(255, 'genesis version'), p.version],
    [utf8, p.network],
    [utf8, p.name],
    [boundedUint(MAX_U32, 'createdAt'), p.createdAt],
    [boundedUint(86400, 'shareInterval'), p.shareInterval],
    [boundedUint(10_000_000, 'halfLife'), p.halfLife],
    [boundedUint(86400, 'maxTimeStep'), p.maxTimeStep],
    [boundedUint(1_000_000, 'windowShares'), p.windowShares],
    [boundedUint(16, 'maxUncles'), p.maxUncles],
    [boundedUint(64, 'uncleDepth'), p.uncleDepth],
    [boundedUint(10_000, 'uncleWeightBps'), p.uncleWeightBps],
    [boundedUint(10_000, 'finderBonusBps'), p.finderBonusBps],
    [boundedUint(2_100_000_000_000_000, 'minPayout'), p.minPayout],
    [boundedUint(10_000, 'maxOutputs'), p.maxOutputs],
    [coinbaseClassesCodec, p.coinbaseClasses],
    [uint32, p.maxShareBits],
    [uint32, p.initialShareBits],
    [fixedBytes(32), p.salt]
  ] as [Codec<never>, unknown][]
}

export function encodeParams(p: CoopParams): Uint8Array {
  return encode(coopParamsCodec, p)
}

export function decodeParams(bytes: Uint8Array): CoopParams {
  const p = decode(coopParamsCodec, bytes, 'genesis record')
  checkParams(p)
  return p
}

/** The protocol version is in the domain: a rule change changes every cooperative's id. */
const CONSENSUS_ID_DOMAIN = new TextEncoder().encode(`hashcoop/consensus-id/v${PROTOCOL_VERSION}`)

/** The consensus id: sha256(domain || encoded genesis record). Peers with different ids never mix. */
export function consensusId(p: CoopParams): Uint8Array {
  return sha256(concatBytes(CONSENSUS_ID_DOMAIN, encodeParams(p)))
}

export class ParamsError extends Error {
  override name = 'ParamsError'
}

/** Every rule a genesis record must satisfy, each failure naming the parameter. */
export function checkParams(p: CoopParams): void {
  const fail = (field: string, why: string): never => {
    throw new ParamsError(`invalid cooperative parameter ${field}: ${why}`)
  }
  if (p.version !== GENESIS_VERSION) fail('version', `genesis version ${p.version} is protocol v${p.version}; this hashcoop speaks protocol v${GENESIS_VERSION} only`)
  if (!isNetworkName(p.network)) fail('network', `unknown network '${String(p.network)}'`)
  if (new TextEncoder().encode(p.name).length > 64) fail('name', 'longer than 64 bytes')
  if (p.shareInterval < 1 || p.shareInterval > 3600) fail('shareInterval', 'must be 1-3600 seconds')
  if (p.halfLife < p.shareInterval) fail('halfLife', 'must be at least one share interval')
  if (p.maxTimeStep < 2 * p.shareInterval) fail('maxTimeStep', 'must be at least 2 share intervals')
  if (p.windowShares < 1) fail('windowShares', 'must be at least 1')
  if (p.maxUncles > 16) fail('maxUncles', 'at most 16')
  if (p.maxUncles > 0 && p.uncleDepth < 1) fail('uncleDepth', 'must be at least 1 when uncles are allowed')
  if (p.uncleWeightBps > 10_000) fail('uncleWeightBps', 'at most 10000')
  if (p.finderBonusBps > 1_000) fail('finderBonusBps', 'at most 1000 (10 %)')
  if (p.maxOutputs < 1 || p.maxOutputs > 4000) fail('maxOutputs', 'must be 1-4000')
  checkCoinbaseClasses(p.coinbaseClasses, fail)
  const maxShare = canonicalTarget(p.maxShareBits, 'maxShareBits', fail)
  const initial = canonicalTarget(p.initialShareBits, 'initialShareBits', fail)
  if (initial > maxShare) fail('initialShareBits', 'easier than maxShareBits')
  if (maxShare > bitsToTarget(NETWORKS[p.network].powLimitBits)) fail('maxShareBits', `easier than ${p.network}'s proof-of-work limit`)
  if (p.salt.length !== 32) fail('salt', 'must be 32 bytes')
}

/** Byte classes: at most 16, strictly ascending, each from MIN_COINBASE_CLASS_BYTES to 1 MB. */
function checkCoinbaseClasses(classes: readonly number[], fail: (field: string, why: string) => never): void {
  if (!Array.isArray(classes)) fail('coinbaseClasses', 'must be a list of byte budgets')
  if (classes.length > MAX_COINBASE_CLASSES) fail('coinbaseClasses', `at most ${MAX_COINBASE_CLASSES} classes, got ${classes.length}`)
  classes.forEach((bytes, i) => {
    if (!Number.isSafeInteger(bytes)) fail('coinbaseClasses', `class ${i + 1} is not a whole number of bytes: ${String(bytes)}`)
    if (bytes < MIN_COINBASE_CLASS_BYTES) fail('coinbaseClasses', `class ${i + 1} is ${bytes} bytes; the smallest coinbase that always fits a finder and a pot output is ${MIN_COINBASE_CLASS_BYTES} bytes`)
    if (bytes > MAX_COINBASE_CLASS_BYTES) fail('coinbaseClasses', `class ${i + 1} is ${bytes} bytes, at most ${MAX_COINBASE_CLASS_BYTES}`)
    if (i > 0 && bytes <= (classes[i - 1] as number)) fail('coinbaseClasses', `budgets must be strictly ascending: ${classes[i - 1]} then ${bytes}`)
  })
}

/** A compact target that decodes, is non-zero and canonical; `fail` names the field otherwise. */
function canonicalTarget(bits: number, field: string, fail: (field: string, why: string) => never): bigint {
  let target: bigint
  try {
    target = bitsToTarget(bits)
  } catch (err) {
    return fail(field, (err as Error).message)
  }
  if (target === 0n || targetToBits(target) !== bits) fail(field, 'not a canonical non-zero compact target')
  return target
}

export interface ParamsOverrides extends Partial<Omit<CoopParams, 'network' | 'salt' | 'createdAt'>> {}

/** Default maxTimeStep in share intervals (SPEC.md §9: 0.25 % of honest solve times are longer). */
const TIME_STEP_INTERVALS = 6

/**
 * Defaults per network (SPEC.md §9 gives the reasons and the simulations behind each number).
 * Mainnet and the public test networks share the economics; regtest is tuned for a CPU demo.
 */
export function defaultParams(network: NetworkName, salt: Uint8Array, createdAt: number, overrides: ParamsOverrides = {}): CoopParams {
  const realMoney = network !== 'regtest'
  const base: CoopParams = {
    version: GENESIS_VERSION,
    network,
    name: 'hashcoop',
    createdAt,
    shareInterval: realMoney ? 10 : 2,
    halfLife: realMoney ? 600 : 60,
    maxTimeStep: 0, // below: 6 share intervals, after the overrides
    windowShares: realMoney ? 2160 : 360,
    maxUncles: 3,
    uncleDepth: 3,
    uncleWeightBps: 9000,
    finderBonusBps: 50,
    minPayout: realMoney ? 10_000 : 1_000,
    maxOutputs: 100,
    coinbaseClasses: [...DEFAULT_COINBASE_CLASSES],
    maxShareBits: network === 'mainnet' ? targetToBits(difficultyToTarget(65536)) : NETWORKS[network].powLimitBits,
    initialShareBits: network === 'mainnet' ? targetToBits(difficultyToTarget(65536)) : realMoney ? NETWORKS[network].powLimitBits : targetToBits(difficultyToTarget(0.0005)),
    salt
  }
  const p = { ...base, ...overrides }
  if (overrides.maxTimeStep === undefined) p.maxTimeStep = TIME_STEP_INTERVALS * p.shareInterval
  checkParams(p)
  return p
}
