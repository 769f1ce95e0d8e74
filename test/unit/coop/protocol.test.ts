import { randomBytes } from 'node:crypto'
import c from 'compact-encoding'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  handshakeCodec,
  MAX_RELAY_BYTES,
  peerProof,
  ProtocolError,
  relayCodec,
  relayResultCodec,
  statusCodec,
  verifyPeerProof,
  type ProofContext
} from '../../../src/coop/protocol.js'

const ctx = (): ProofContext => ({ consensusId: randomBytes(32), bootstrapKey: randomBytes(32), handshakeHash: randomBytes(64) })

describe('peer proof', () => {
  it('verifies for the sender it was made for, on the connection it was made on', () => {
    const context = ctx()
    const alice = randomBytes(32)
    expect(verifyPeerProof(context, alice, peerProof(context, alice))).toBe(true)
  })

  it('fails for another consensus id, bootstrap key, connection, or a reflected proof', () => {
    const context = ctx()
    const alice = randomBytes(32)
    const bob = randomBytes(32)
    const proof = peerProof(context, alice)
    expect(verifyPeerProof({ ...context, consensusId: randomBytes(32) }, alice, proof)).toBe(false)
    expect(verifyPeerProof({ ...context, bootstrapKey: randomBytes(32) }, alice, proof)).toBe(false)
    expect(verifyPeerProof({ ...context, handshakeHash: randomBytes(64) }, alice, proof)).toBe(false)
    // Bob echoing Alice's proof back to her does not pass as Bob's.
    expect(verifyPeerProof(context, bob, proof)).toBe(false)
    expect(verifyPeerProof(context, alice, proof.subarray(0, 31))).toBe(false)
  })

  it('does not contain the consensus id', () => {
    const context = ctx()
    const proof = Buffer.from(peerProof(context, randomBytes(32)))
    expect(proof.equals(Buffer.from(context.consensusId))).toBe(false)
    expect(proof.includes(Buffer.from(context.consensusId.subarray(0, 8)))).toBe(false)
  })
})

describe('message codecs', () => {
  it('round-trip', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.boolean(),
        fc.uint8Array({ maxLength: 2000 }),
        fc.string({ maxLength: 200 }),
        (n, proof, flag, value, reason) => {
          const hs = { version: n, proof: Buffer.from(proof), writer: flag }
          expect(c.decode(handshakeCodec, c.encode(handshakeCodec, hs))).toEqual(hs)
          expect(c.decode(statusCodec, c.encode(statusCodec, { writer: flag }))).toEqual({ writer: flag })
          const relay = { id: n, value: Buffer.from(value) }
          expect(c.decode(relayCodec, c.encode(relayCodec, relay))).toEqual(relay)
          const result = { id: n, ok: flag, reason }
          expect(c.decode(relayResultCodec, c.encode(relayResultCodec, result))).toEqual(result)
        }
      )
    )
  })

  it('turn garbage into a ProtocolError naming the message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 33 }), (garbage) => {
        // Any prefix shorter than a full handshake cannot decode.
        expect(() => c.decode(handshakeCodec, garbage)).toThrow(ProtocolError)
        expect(() => c.decode(handshakeCodec, garbage)).toThrow(/^malformed handshake message \(/)
      })
    )
  })

  it('refuse an oversized relay before allocating it', () => {
    const state = c.state()
    c.uint.preencode(state, 1)
    c.uint.preencode(state, MAX_RELAY_BYTES + 1)
    state.buffer = Buffer.alloc(state.end)
    c.uint.encode(state, 1)
    c.uint.encode(state, MAX_RELAY_BYTES + 1) // length prefix only: the body never arrives
    expect(() => c.decode(relayCodec, state.buffer as Buffer)).toThrow(/malformed relay message \(relayed value is \d+ bytes, at most 65536\)/)
    expect(() => c.encode(relayCodec, { id: 1, value: new Uint8Array(MAX_RELAY_BYTES + 1) })).toThrow(RangeError)
  })
})
