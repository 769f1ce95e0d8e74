import { ByteReader, ByteWriter, concatBytes, varintSize } from './bytes.js'
import { sha256d } from './hash.js'
import { bip34HeightScript, opReturnScript, pushData } from './script.js'
import { WITNESS_RESERVED_VALUE } from './merkle.js'

/**
 * The coinbase transaction, split for stratum: coinb1 | extranonce1 | extranonce2 | coinb2 is its
 * non-witness serialization. Layout (fixed; the share-chain spec relies on it):
 *
 *   version 2 | 1 input: null prevout, scriptSig, sequence 0xfffffffe
 *   scriptSig = BIP34 height | PUSH(extranonce size) | extranonce | [PUSH(tag)]
 *   outputs   = [witness commitment] | payouts... | OP_RETURN PUSH32(commitment)
 *   lockTime  = height - 1 (BIP54-ready; final at this height)
 */

export interface TxOutput {
  value: bigint
  script: Uint8Array
}

export interface CoinbaseParams {
  height: number
  /** Bytes the miner varies: extranonce1 (per connection) + extranonce2 (per attempt). */
  extranonceSize: number
  /** Pushed after the extranonce: a pool tag such as "/hashcoop/". Optional. */
  tag?: Uint8Array
  /** The template's witness commitment output script, or null for a block without witness data. */
  witnessCommitment: Uint8Array | null
  /** Payout outputs in their final order. */
  payouts: readonly TxOutput[]
  /** 32 bytes committed in a zero-value OP_RETURN output (the share commitment). */
  commitment: Uint8Array
}

export interface CoinbaseParts {
  coinb1: Uint8Array
  coinb2: Uint8Array
  extranonceSize: number
}

export const COINBASE_VERSION = 2
export const COINBASE_SEQUENCE = 0xfffffffe
export const MIN_SCRIPTSIG = 2
export const MAX_SCRIPTSIG = 100
/** Extranonce bytes are carried by one direct push, so at most 75 bytes. */
export const MAX_EXTRANONCE = 75

/** Every output of the coinbase, in order. */
export function coinbaseOutputs(p: CoinbaseParams): TxOutput[] {
  if (p.commitment.length !== 32) throw new Error(`share commitment must be 32 bytes, got ${p.commitment.length}`)
  const outputs: TxOutput[] = []
  if (p.witnessCommitment !== null) outputs.push({ value: 0n, script: p.witnessCommitment })
  for (const o of p.payouts) {
    if (o.value < 0n) throw new RangeError('an output value must not be negative')
    outputs.push(o)
  }
  outputs.push({ value: 0n, script: opReturnScript(p.commitment) })
  return outputs
}

export function buildCoinbaseParts(p: CoinbaseParams): CoinbaseParts {
  if (!Number.isInteger(p.extranonceSize) || p.extranonceSize < 1 || p.extranonceSize > MAX_EXTRANONCE) {
    throw new RangeError(`extranonce size must be 1-${MAX_EXTRANONCE} bytes, got ${p.extranonceSize}`)
  }
  const height = bip34HeightScript(p.height)
  const tag = p.tag !== undefined && p.tag.length > 0 ? pushData(p.tag) : new Uint8Array(0)
  const scriptSigLength = height.length + 1 + p.extranonceSize + tag.length
  if (scriptSigLength < MIN_SCRIPTSIG || scriptSigLength > MAX_SCRIPTSIG) {
    throw new RangeError(`coinbase scriptSig must be ${MIN_SCRIPTSIG}-${MAX_SCRIPTSIG} bytes, would be ${scriptSigLength} (shorten the tag or the extranonce)`)
  }

  const coinb1 = new ByteWriter(64)
    .u32(COINBASE_VERSION)
    .varint(1)
    .bytes(new Uint8Array(32))
    .u32(0xffffffff)
    .varint(scriptSigLength)
    .bytes(height)
    .u8(p.extranonceSize)
    .finish()

  const outputs = coinbaseOutputs(p)
  const w = new ByteWriter(64 + outputs.length * 40).bytes(tag).u32(COINBASE_SEQUENCE).varint(outputs.length)
  for (const o of outputs) w.u64(o.value).varbytes(o.script)
  w.u32(Math.max(0, p.height - 1))
  return { coinb1, coinb2: w.finish(), extranonceSize: p.extranonceSize }
}

/** The non-witness coinbase for one extranonce (extranonce1 || extranonce2). */
export function assembleCoinbase(parts: CoinbaseParts, extranonce: Uint8Array): Uint8Array {
  if (extranonce.length !== parts.extranonceSize) throw new Error(`extranonce must be ${parts.extranonceSize} bytes, got ${extranonce.length}`)
  return concatBytes(parts.coinb1, extranonce, parts.coinb2)
}

export function txid(nonWitnessTx: Uint8Array): Uint8Array {
  return sha256d(nonWitnessTx)
}

/**
 * Segwit serialization of a coinbase (BIP144): marker 00, flag 01, and a witness of one 32-byte
 * reserved value. Only valid for a single-input transaction, which a coinbase is.
 */
export function coinbaseWithWitness(nonWitnessTx: Uint8Array): Uint8Array {
  const r = new ByteReader(nonWitnessTx)
  const version = r.bytes(4)
  const body = nonWitnessTx.subarray(4, nonWitnessTx.length - 4)
  const lockTime = nonWitnessTx.subarray(nonWitnessTx.length - 4)
  return new ByteWriter(nonWitnessTx.length + 40)
    .bytes(version)
    .u8(0x00)
    .u8(0x01)
    .bytes(body)
    .varint(1)
    .varbytes(WITNESS_RESERVED_VALUE)
    .bytes(lockTime)
    .finish()
}

/** Serialized size in bytes of one output (8-byte value + script with its length). */
export function outputSize(script: Uint8Array): number {
  return outputSizeFor(script.length)
}

/** Serialized size of an output whose script is `scriptLength` bytes: value, length varint, script. */
export function outputSizeFor(scriptLength: number): number {
  return 8 + varintSize(scriptLength) + scriptLength
}
