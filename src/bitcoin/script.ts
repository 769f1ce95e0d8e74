import { concatBytes } from './bytes.js'

export const OP_0 = 0x00
export const OP_PUSHDATA1 = 0x4c
export const OP_PUSHDATA2 = 0x4d
export const OP_PUSHDATA4 = 0x4e
export const OP_1 = 0x51
export const OP_RETURN = 0x6a

/** The minimal push of arbitrary data (no OP_N substitution: that is for numbers). */
export function pushData(data: Uint8Array): Uint8Array {
  const n = data.length
  if (n < OP_PUSHDATA1) return concatBytes(Uint8Array.of(n), data)
  if (n <= 0xff) return concatBytes(Uint8Array.of(OP_PUSHDATA1, n), data)
  if (n <= 0xffff) return concatBytes(Uint8Array.of(OP_PUSHDATA2, n & 0xff, n >> 8), data)
  return concatBytes(Uint8Array.of(OP_PUSHDATA4, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24), data)
}

/** CScriptNum serialization: little-endian magnitude, sign in the top bit, minimal length. */
export function scriptNum(n: number): Uint8Array {
  if (!Number.isSafeInteger(n)) throw new RangeError(`script number out of range: ${n}`)
  if (n === 0) return new Uint8Array(0)
  const negative = n < 0
  let abs = Math.abs(n)
  const out: number[] = []
  while (abs > 0) {
    out.push(abs & 0xff)
    abs = Math.floor(abs / 256)
  }
  const last = out[out.length - 1] as number
  if (last & 0x80) out.push(negative ? 0x80 : 0x00)
  else if (negative) out[out.length - 1] = last | 0x80
  return Uint8Array.from(out)
}

/**
 * The BIP34 height as Bitcoin Core writes it (`CScript() << nHeight`): OP_0 for 0, OP_1..OP_16 for
 * 1-16, otherwise the minimal push of the CScriptNum. Core checks the coinbase scriptSig starts so.
 */
export function bip34HeightScript(height: number): Uint8Array {
  if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`block height out of range: ${height}`)
  if (height === 0) return Uint8Array.of(OP_0)
  if (height <= 16) return Uint8Array.of(OP_1 - 1 + height)
  return pushData(scriptNum(height))
}

/** OP_RETURN followed by one push of data: an unspendable, zero-value data carrier. */
export function opReturnScript(data: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(OP_RETURN), pushData(data))
}
