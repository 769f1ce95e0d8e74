import c from 'compact-encoding'
import { boundedArray, boundedBuffer, boundedUint, decode, encode, fixedBytes, hash32, uint32, type Codec } from './codec.js'
import { coopParamsCodec, type CoopParams } from './params.js'

/**
 * A share as it travels and is stored (SPEC.md §3). The header is a Bitcoin block header; the rest
 * is what a peer needs to rebuild that header's coinbase and check it commits to this share.
 */
export interface Share {
  /** Share format version (1). */
  version: number
  /** The 80-byte Bitcoin block header; the share id is its hash. */
  header: Uint8Array
  /** Share-chain height: 0 for the first share, parent height + 1 after. */
  height: number
  /** Parent share id (32 zero bytes for the first share). */
  parent: Uint8Array
  /** Ids of uncle shares credited by this share, strictly ascending. */
  uncles: Uint8Array[]
  /** The share target, compact form; must equal the retarget rule's value at the parent. */
  shareBits: number
  /** Output script of the miner who found this share. */
  payoutScript: Uint8Array
  /** Height of the Bitcoin block this header would be (its BIP34 coinbase height). */
  blockHeight: number
  /** extranonce1 || extranonce2 as placed in the coinbase scriptSig. */
  extranonce: Uint8Array
  /** The node's coinbase tag (may be empty). */
  tag: Uint8Array
  /** Satoshis the coinbase pays in all (template subsidy + fees). */
  coinbaseValue: number
  /** BIP141 witness commitment hash, or null for a block without one. */
  witnessCommitment: Uint8Array | null
  /** Merkle branch from the coinbase to the header's merkle root, leaf level upward. */
  merkleBranch: Uint8Array[]
  /**
   * The coinbase class the share's coinbase was built for (SPEC.md §7.6): 0 is the full class,
   * i >= 1 the byte budget coinbaseClasses[i - 1] of the genesis parameters.
   */
  coinbaseClass: number
}

export const SHARE_VERSION = 1
export const LIMITS = {
  maxUncles: 16,
  maxPayoutScript: 64,
  maxExtranonce: 75,
  maxTag: 32,
  /** 2^18 leaves is far above what a 4 MWU block can hold. */
  maxMerkleBranch: 18,
  maxCoinbaseValue: 21_000_000 * 100_000_000
} as const

const optionalHash32: Codec<Uint8Array | null> = {
  preencode(state, v) {
    c.bool.preencode(state, v !== null)
    if (v !== null) hash32.preencode(state, v)
  },
  encode(state, v) {
    c.bool.encode(state, v !== null)
    if (v !== null) hash32.encode(state, v)
  },
  decode(state) {
    return c.bool.decode(state) ? hash32.decode(state) : null
  }
}

const shareFields = {
  version: boundedUint(255, 'share version'),
  header: fixedBytes(80),
  height: boundedUint(Number.MAX_SAFE_INTEGER, 'share height'),
  parent: hash32,
  uncles: boundedArray(hash32, LIMITS.maxUncles, 'uncle list'),
  shareBits: uint32,
  payoutScript: boundedBuffer(LIMITS.maxPayoutScript, 'payout script'),
  blockHeight: boundedUint(0x7fffffff, 'block height'),
  extranonce: boundedBuffer(LIMITS.maxExtranonce, 'extranonce'),
  tag: boundedBuffer(LIMITS.maxTag, 'coinbase tag'),
  coinbaseValue: boundedUint(LIMITS.maxCoinbaseValue, 'coinbase value'),
  witnessCommitment: optionalHash32,
  merkleBranch: boundedArray(hash32, LIMITS.maxMerkleBranch, 'merkle branch'),
  coinbaseClass: boundedUint(255, 'coinbase class')
} satisfies { [K in keyof Share]: Codec<Share[K]> }

const SHARE_KEYS = Object.keys(shareFields) as (keyof Share)[]

export const shareCodec: Codec<Share> = {
  preencode(state, s) {
    for (const k of SHARE_KEYS) (shareFields[k] as Codec<unknown>).preencode(state, s[k])
  },
  encode(state, s) {
    for (const k of SHARE_KEYS) (shareFields[k] as Codec<unknown>).encode(state, s[k])
  },
  decode(state) {
    const out: Record<string, unknown> = {}
    for (const k of SHARE_KEYS) out[k] = (shareFields[k] as Codec<unknown>).decode(state)
    return out as unknown as Share
  }
}

export function encodeShare(s: Share): Uint8Array {
  return encode(shareCodec, s)
}

export function decodeShare(bytes: Uint8Array): Share {
  return decode(shareCodec, bytes, 'share')
}

/**
 * What a cooperative's Autobase log holds: the genesis record once (first, by the founder), shares,
 * and membership operations (opaque to the share-chain; handled by coop/).
 */
export type Entry = { type: 'genesis'; params: CoopParams } | { type: 'share'; share: Share } | { type: 'admin'; payload: Uint8Array }

const ENTRY_TAG = { genesis: 0, share: 1, admin: 2 } as const
const adminPayload = boundedBuffer(4096, 'admin payload')

export const entryCodec: Codec<Entry> = {
  preencode(state, e) {
    c.uint8.preencode(state, ENTRY_TAG[e.type])
    if (e.type === 'genesis') coopParamsCodec.preencode(state, e.params)
    else if (e.type === 'share') shareCodec.preencode(state, e.share)
    else adminPayload.preencode(state, e.payload)
  },
  encode(state, e) {
    c.uint8.encode(state, ENTRY_TAG[e.type])
    if (e.type === 'genesis') coopParamsCodec.encode(state, e.params)
    else if (e.type === 'share') shareCodec.encode(state, e.share)
    else adminPayload.encode(state, e.payload)
  },
  decode(state) {
    const tag = c.uint8.decode(state)
    if (tag === ENTRY_TAG.genesis) return { type: 'genesis', params: coopParamsCodec.decode(state) }
    if (tag === ENTRY_TAG.share) return { type: 'share', share: shareCodec.decode(state) }
    if (tag === ENTRY_TAG.admin) return { type: 'admin', payload: adminPayload.decode(state) }
    throw new RangeError(`unknown entry type ${tag}`)
  }
}

export function encodeEntry(e: Entry): Uint8Array {
  return encode(entryCodec, e)
}

export function decodeEntry(bytes: Uint8Array): Entry {
  return decode(entryCodec, bytes, 'log entry')
}
