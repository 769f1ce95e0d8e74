/**
 * How the search space of one piece of work is split between threads, so that no two threads ever
 * hash the same header. A header is picked by (extranonce2, rolled version bits, nonce); the nonce
 * is scanned in chunks of 2^16 (its high 16 bits select the chunk).
 *
 * Threads normally take disjoint extranonce2 values (thread i: i, i+N, i+2N, ...). When the server
 * gives too few extranonce2 values for that (size 0, or 1 byte for more than 256 threads), every
 * thread walks all extranonce2 values and the nonce chunks are split instead.
 */

export const NONCE_CHUNK_BITS = 16
export const NONCE_CHUNK_SIZE = 1 << NONCE_CHUNK_BITS
export const NONCE_CHUNKS = 2 ** (32 - NONCE_CHUNK_BITS)
export const MAX_THREADS = 256

export interface SearchSlice {
  extranonce2Start: number
  extranonce2Step: number
  chunkStart: number
  chunkStep: number
}

/** Number of distinct extranonce2 values, capped where a JS number stops counting exactly. */
export function extranonce2Space(size: number): number {
  return Math.min(256 ** size, Number.MAX_SAFE_INTEGER)
}

export function sliceForThread(thread: number, threads: number, extranonce2Size: number): SearchSlice {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) throw new RangeError(`threads must be 1-${MAX_THREADS}, got ${threads}`)
  if (!Number.isInteger(thread) || thread < 0 || thread >= threads) throw new RangeError(`thread index ${thread} out of range for ${threads} threads`)
  if (extranonce2Space(extranonce2Size) >= threads) return { extranonce2Start: thread, extranonce2Step: threads, chunkStart: 0, chunkStep: 1 }
  return { extranonce2Start: 0, extranonce2Step: 1, chunkStart: thread, chunkStep: threads }
}

/** An extranonce2 counter as `size` big-endian bytes (so its hex reads as the counter). */
export function encodeExtranonce2(counter: number, size: number): Uint8Array {
  const out = new Uint8Array(size)
  let rest = counter
  for (let i = size - 1; i >= 0 && rest > 0; i--) {
    out[i] = rest % 256
    rest = Math.floor(rest / 256)
  }
  return out
}

/** How many distinct values the bits of a version mask can take (2^popcount). */
export function versionRollCount(mask: number): number {
  let bits = 0
  for (let m = mask >>> 0; m !== 0; m >>>= 1) bits += m & 1
  return 2 ** bits
}

/** Deposits the low bits of counter into the set bits of mask, lowest first (a software PDEP). */
export function spreadBits(counter: number, mask: number): number {
  let out = 0
  let rest = counter
  for (let bit = 0; bit < 32 && rest > 0; bit++) {
    if ((mask >>> bit) & 1) {
      if (rest % 2 === 1) out |= 1 << bit
      rest = Math.floor(rest / 2)
    }
  }
  return out >>> 0
}
