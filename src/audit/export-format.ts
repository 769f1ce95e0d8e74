import { crc32 } from 'node:zlib'
import c from 'compact-encoding'
import { boundedBuffer, boundedUint, decode, encode, fixedBytes, utf8, type Codec } from '../../protocol/codec.js'

/**
 * The export file format, version 1 (normative description: protocol/EXPORT.md).
 *
 *   header  = magic (8) | version u16le | flags u16le | crc32 u32le of the 12 bytes before it
 *   record  = type u8 | body length u32le | body | crc32 u32le of type, length and body
 *   file    = header, genesis record, log records (ascending seq), view records, end record
 *
 * Every record carries its own CRC-32, so a damaged byte is located to the record that holds it
 * (CRC-32 catches every error burst of up to 32 bits); the end record's SHA-256 of everything
 * before it also catches records that were dropped, duplicated or reordered whole.
 */
export const MAGIC = Uint8Array.of(0x89, 0x48, 0x43, 0x58, 0x0d, 0x0a, 0x1a, 0x0a) // \x89 "HCX" \r \n \x1a \n
export const FORMAT_VERSION = 1
export const HEADER_SIZE = 16
/** type + length before the body, crc after it. */
export const RECORD_OVERHEAD = 1 + 4 + 4
/** Far above any real record (a block record with 4000 outputs is about 400 kB). */
export const MAX_BODY = 8 * 1024 * 1024

export const RECORD = {
  genesis: 1,
  share: 2,
  rejected: 3,
  view: 4,
  end: 255
} as const

export type RecordType = (typeof RECORD)[keyof typeof RECORD]

export function recordName(type: number): string {
  for (const [name, t] of Object.entries(RECORD)) if (t === type) return name
  return `unknown type ${type}`
}

export function checksum(...parts: Uint8Array[]): number {
  let crc = 0
  for (const p of parts) crc = crc32(p, crc)
  return crc >>> 0
}

export function encodeHeader(): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE)
  const dv = new DataView(out.buffer)
  out.set(MAGIC, 0)
  dv.setUint16(8, FORMAT_VERSION, true)
  dv.setUint16(10, 0, true)
  dv.setUint32(12, checksum(out.subarray(0, 12)), true)
  return out
}

export function encodeRecord(type: RecordType, body: Uint8Array): Uint8Array {
  if (body.length > MAX_BODY) throw new RangeError(`export record body of ${body.length} bytes exceeds ${MAX_BODY}`)
  const out = new Uint8Array(RECORD_OVERHEAD + body.length)
  const dv = new DataView(out.buffer)
  out[0] = type
  dv.setUint32(1, body.length, true)
  out.set(body, 5)
  dv.setUint32(5 + body.length, checksum(out.subarray(0, 5 + body.length)), true)
  return out
}

// ---------------------------------------------------------------------------------------------
// Record bodies (compact-encoding, like the log itself)

const seqCodec = boundedUint(Number.MAX_SAFE_INTEGER, 'log position')
const hash32 = fixedBytes(32)

/** A share the node accepted: its log position, the id it was filed under, the encoded share. */
export interface ShareBody {
  seq: number
  id: Uint8Array
  share: Uint8Array
}

export const shareBodyCodec: Codec<ShareBody> = {
  preencode(state, v) {
    seqCodec.preencode(state, v.seq)
    hash32.preencode(state, v.id)
    state.end += v.share.length
  },
  encode(state, v) {
    seqCodec.encode(state, v.seq)
    hash32.encode(state, v.id)
    ;(state.buffer as Uint8Array).set(v.share, state.start)
    state.start += v.share.length
  },
  decode(state) {
    const seq = seqCodec.decode(state)
    const id = hash32.decode(state)
    const share = (state.buffer as Uint8Array).slice(state.start, state.end)
    state.start = state.end
    return { seq, id, share }
  }
}

/** An entry the node rejected: its `invalid!<seq>` record. */
export interface RejectedBody {
  seq: number
  reason: string
  detail: string
  id: Uint8Array | null
  writer: string
  bytes: number
}

const shortText = boundedBuffer(64 * 1024, 'text')
const textCodec: Codec<string> = {
  preencode: (state, v) => shortText.preencode(state, new TextEncoder().encode(v)),
  encode: (state, v) => shortText.encode(state, new TextEncoder().encode(v)),
  decode: (state) => new TextDecoder('utf-8', { fatal: true }).decode(shortText.decode(state))
}

export const rejectedBodyCodec: Codec<RejectedBody> = {
  preencode(state, v) {
    seqCodec.preencode(state, v.seq)
    textCodec.preencode(state, v.reason)
    textCodec.preencode(state, v.detail)
    c.bool.preencode(state, v.id !== null)
    if (v.id !== null) hash32.preencode(state, v.id)
    textCodec.preencode(state, v.writer)
    seqCodec.preencode(state, v.bytes)
  },
  encode(state, v) {
    seqCodec.encode(state, v.seq)
    textCodec.encode(state, v.reason)
    textCodec.encode(state, v.detail)
    c.bool.encode(state, v.id !== null)
    if (v.id !== null) hash32.encode(state, v.id)
    textCodec.encode(state, v.writer)
    seqCodec.encode(state, v.bytes)
  },
  decode(state) {
    const seq = seqCodec.decode(state)
    const reason = textCodec.decode(state)
    const detail = textCodec.decode(state)
    const id = c.bool.decode(state) ? hash32.decode(state) : null
    return { seq, reason, detail, id, writer: textCodec.decode(state), bytes: seqCodec.decode(state) }
  }
}

/** One of the node's derived view records (tip, stats, miner!, block!): key and JSON text. */
export interface ViewBody {
  key: string
  json: string
}

export const viewBodyCodec: Codec<ViewBody> = {
  preencode(state, v) {
    utf8.preencode(state, v.key)
    utf8.preencode(state, v.json)
  },
  encode(state, v) {
    utf8.encode(state, v.key)
    utf8.encode(state, v.json)
  },
  decode(state) {
    return { key: utf8.decode(state), json: utf8.decode(state) }
  }
}

/** How many records came before (genesis included) and the SHA-256 of every byte before the end record. */
export interface EndBody {
  records: number
  sha256: Uint8Array
}

export function encodeEndBody(v: EndBody): Uint8Array {
  const out = new Uint8Array(4 + 32)
  new DataView(out.buffer).setUint32(0, v.records, true)
  out.set(v.sha256, 4)
  return out
}

export function decodeEndBody(body: Uint8Array): EndBody {
  if (body.length !== 36) throw new RangeError(`an end record body is 36 bytes, this one ${body.length}`)
  return { records: new DataView(body.buffer, body.byteOffset, 4).getUint32(0, true), sha256: body.slice(4) }
}

export { encode, decode }
