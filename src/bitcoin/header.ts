import { ByteReader, ByteWriter } from './bytes.js'
import { hashToHex, sha256d } from './hash.js'

/** An 80-byte block header. Hashes are held in internal byte order (as serialized). */
export interface BlockHeader {
  version: number
  prevHash: Uint8Array
  merkleRoot: Uint8Array
  time: number
  bits: number
  nonce: number
}

export const HEADER_SIZE = 80

export function encodeHeader(h: BlockHeader): Uint8Array {
  if (h.prevHash.length !== 32 || h.merkleRoot.length !== 32) throw new Error('header hashes must be 32 bytes')
  return new ByteWriter(HEADER_SIZE).i32(h.version).bytes(h.prevHash).bytes(h.merkleRoot).u32(h.time).u32(h.bits).u32(h.nonce).finish()
}

export function decodeHeader(bytes: Uint8Array): BlockHeader {
  if (bytes.length !== HEADER_SIZE) throw new Error(`a block header is 80 bytes, got ${bytes.length}`)
  const r = new ByteReader(bytes)
  return { version: r.i32(), prevHash: r.bytes(32), merkleRoot: r.bytes(32), time: r.u32(), bits: r.u32(), nonce: r.u32() }
}

/** Block hash in internal byte order. */
export function headerHash(h: BlockHeader | Uint8Array): Uint8Array {
  return sha256d(h instanceof Uint8Array ? h : encodeHeader(h))
}

/** Block hash as display hex. */
export function headerHashHex(h: BlockHeader | Uint8Array): string {
  return hashToHex(headerHash(h))
}
