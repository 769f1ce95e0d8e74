// The 'hashcoop/v1' Protomux channel that runs beside replication on every connection.
//
// Channel handshake (sent by both sides when the channel opens):
//   { version: uint, proof: 32 bytes, writer: bool }
//   proof = HMAC-SHA256(key = consensus id,
//                       "hashcoop/v1 peer proof" || Noise handshake hash || sender's public key
//                       || Autobase bootstrap key)
// Why a proof and not the consensus id itself: anyone who finds the topic on the DHT can connect
// and would learn the id. The HMAC proves knowledge of the id without revealing it; the Noise
// handshake hash (the same on both ends, different on every connection) makes a proof useless on
// any other connection, and the sender's own key stops a peer from echoing our proof back to us.
// The bootstrap key is mixed in so two cooperatives that happen to share a genesis (same
// parameters) still refuse each other. A mismatch means "different cooperative": the peer is
// dropped and banned for the life of the swarm. (A low-entropy consensus id could be brute-forced
// offline from a proof; a genesis record that includes the founder's key or a timestamp avoids it.)
//
// Messages after the handshake:
//   status        { writer: bool }                 our writer status changed
//   relay         { id: uint, value: bytes }       a non-writer asks a writer to append a share
//   relay-result  { id: uint, ok: bool, reason }   the writer's answer
// Every field is bounded; a peer sending something undecodable has its connection closed.

import { createHmac, timingSafeEqual } from 'node:crypto'
import c from 'compact-encoding'
import type { Encoder, State } from 'compact-encoding'

// The channel name stays 'hashcoop/v1' across protocol versions, so that peers of different
// versions still pair the channel and can say which version each speaks (not time out in silence).
export const PROTOCOL = 'hashcoop/v1'
export { PROTOCOL_VERSION } from '../../protocol/version.js'
/** Largest value one relay message may carry (a share is well under 4 KiB). */
export const MAX_RELAY_BYTES = 64 * 1024
const MAX_REASON_CHARS = 200
const PROOF_LABEL = Buffer.from('hashcoop/v1 peer proof')

export interface Handshake {
  version: number
  proof: Uint8Array
  writer: boolean
}

export interface StatusMessage {
  writer: boolean
}

export interface RelayMessage {
  id: number
  value: Uint8Array
}

export interface RelayResultMessage {
  id: number
  ok: boolean
  reason: string
}

/** Struct codec from per-field codecs, in order (compact-encoding has no struct helper). */
function struct<T extends object>(fields: { [K in keyof T]: Encoder<T[K]> }): Encoder<T> {
  const entries = Object.entries(fields) as Array<[keyof T, Encoder<T[keyof T]>]>
  return {
    preencode(state: State, value: T) {
      for (const [k, enc] of entries) enc.preencode(state, value[k])
    },
    encode(state: State, value: T) {
      for (const [k, enc] of entries) enc.encode(state, value[k])
    },
    decode(state: State): T {
      const out: Partial<T> = {}
      for (const [k, enc] of entries) out[k] = enc.decode(state)
      return out as T
    }
  }
}

function boundedBuffer(max: number, what: string): Encoder<Uint8Array> {
  return {
    preencode(state, value) {
      if (value.length > max) throw new RangeError(`${what} is ${value.length} bytes, at most ${max}`)
      c.buffer.preencode(state, value)
    },
    encode(state, value) {
      c.buffer.encode(state, value)
    },
    decode(state) {
      const start = state.start
      const length = c.uint.decode(state)
      if (length > max) throw new RangeError(`${what} is ${length} bytes, at most ${max}`)
      state.start = start
      return c.buffer.decode(state)
    }
  }
}

function boundedString(max: number): Encoder<string> {
  return {
    preencode(state, value) {
      c.string.preencode(state, value.slice(0, max))
    },
    encode(state, value) {
      c.string.encode(state, value.slice(0, max))
    },
    decode(state) {
      const start = state.start
      const length = c.uint.decode(state)
      if (length > max * 4) throw new RangeError(`string of ${length} bytes, at most ${max * 4}`)
      state.start = start
      return c.string.decode(state)
    }
  }
}

/** A peer sent bytes that do not decode as the message they claim to be. */
export class ProtocolError extends Error {
  override name = 'ProtocolError'
}

/**
 * Protomux destroys the connection when a decode throws; tagging the error lets the swarm log
 * "malformed X message" instead of a bare "Out of bounds".
 */
function guarded<T>(what: string, codec: Encoder<T>): Encoder<T> {
  return {
    preencode: (state, value) => codec.preencode(state, value),
    encode: (state, value) => codec.encode(state, value),
    decode(state) {
      try {
        return codec.decode(state)
      } catch (err) {
        throw new ProtocolError(`malformed ${what} message (${err instanceof Error ? err.message : String(err)})`)
      }
    }
  }
}

export const handshakeCodec = guarded('handshake', struct<Handshake>({ version: c.uint, proof: c.fixed32, writer: c.bool }))
export const statusCodec = guarded('status', struct<StatusMessage>({ writer: c.bool }))
export const relayCodec = guarded(
  'relay',
  struct<RelayMessage>({ id: c.uint, value: boundedBuffer(MAX_RELAY_BYTES, 'relayed value') })
)
export const relayResultCodec = guarded(
  'relay-result',
  struct<RelayResultMessage>({ id: c.uint, ok: c.bool, reason: boundedString(MAX_REASON_CHARS) })
)

export interface ProofContext {
  consensusId: Uint8Array
  bootstrapKey: Uint8Array
  /** The Noise handshake hash of this connection. */
  handshakeHash: Uint8Array
}

export function peerProof(ctx: ProofContext, senderPublicKey: Uint8Array): Uint8Array {
  return createHmac('sha256', ctx.consensusId)
    .update(PROOF_LABEL)
    .update(ctx.handshakeHash)
    .update(senderPublicKey)
    .update(ctx.bootstrapKey)
    .digest()
}

export function verifyPeerProof(ctx: ProofContext, remotePublicKey: Uint8Array, proof: Uint8Array): boolean {
  const expected = peerProof(ctx, remotePublicKey)
  return proof.length === expected.length && timingSafeEqual(proof, expected)
}
