import { fromHex, toHex } from './bytes.js'

/**
 * The encodings Stratum V1's mining.notify uses for header fields. They live in bitcoin/, next to
 * the header code, because one wrong byte order here makes every share a miner sends invalid.
 */

/**
 * The prevhash field of mining.notify: the hash's eight 4-byte words in internal (serialized) order,
 * with the bytes inside each word reversed. Seen from the display hex that is "reverse the order of
 * the words, keep the bytes inside each word", which is what every Stratum V1 miner expects.
 */
export function stratumPrevHash(prevHashInternal: Uint8Array): string {
  if (prevHashInternal.length !== 32) throw new Error(`prevhash must be 32 bytes, got ${prevHashInternal.length}`)
  return toHex(swapWordBytes(prevHashInternal))
}

/** The inverse of stratumPrevHash: the notify prevhash hex back to internal byte order. */
export function stratumPrevHashToInternal(stratumHex: string): Uint8Array {
  const bytes = fromHex(stratumHex, 'stratum prevhash')
  if (bytes.length !== 32) throw new Error(`stratum prevhash must be 32 bytes, got ${bytes.length}`)
  return swapWordBytes(bytes)
}

/**
 * version, nbits and ntime as mining.notify carries them: 8 hex digits, big-endian, zero-padded.
 * Accepts a u32, or a negative i32 (a header version decoded as signed) for the same 32 bits.
 */
export function u32BigEndianHex(n: number): string {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) throw new RangeError(`not a 32-bit integer: ${n}`)
  return (n >>> 0).toString(16).padStart(8, '0')
}

/** Reverses the bytes inside each 4-byte word; its own inverse. */
function swapWordBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length)
  for (let word = 0; word < bytes.length; word += 4) {
    for (let i = 0; i < 4; i++) out[word + i] = bytes[word + 3 - i] as number
  }
  return out
}
