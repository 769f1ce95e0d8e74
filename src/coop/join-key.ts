// The join key: everything a node needs to join a cooperative, as one copy-pasteable string.
//
// Text form: bech32m (see bech32m.ts for why) with the human-readable part "hashcoop", so every
// key reads "hashcoop1..." and a single mistyped character is always reported as a checksum error.
//
// Binary payload (version 2; version 1 had the same layout):
//   byte 0      version: the protocol version of the cooperative (protocol/version.ts)
//   byte 1      flags: bit 0 = private (an encryption key follows); other bits must be 0
//   bytes 2-33  Autobase bootstrap key (the founder's base key)
//   bytes 34-65 consensus id (sha256 of the genesis record; opaque here)
//   bytes 66-97 encryption key (private cooperatives only)
// => 121 characters for a public cooperative, 172 for a private one ("hashcoop1" + data + 6).
//
// A checksum catches accidents, not intent: a key edited on purpose and re-encoded decodes fine.
// Such a key names a different cooperative; the peer handshake (protocol.ts) refuses it when its
// consensus id differs, and replication finds nothing when its bootstrap key differs.

import { bech32mDecode, bech32mEncode, Bech32mError } from './bech32m.js'
import { PROTOCOL_VERSION } from '../../protocol/version.js'

export const JOIN_KEY_PREFIX = 'hashcoop'
/**
 * The key carries the cooperative's protocol version, so a node refuses a cooperative of other
 * rules before it opens anything, with a message that says so.
 */
export const JOIN_KEY_VERSION = PROTOCOL_VERSION
const FLAG_PRIVATE = 0x01
const KNOWN_FLAGS = FLAG_PRIVATE
const KEY_BYTES = 32
const PUBLIC_LENGTH = 2 + 2 * KEY_BYTES
const PRIVATE_LENGTH = PUBLIC_LENGTH + KEY_BYTES

export interface JoinKey {
  /** The Autobase key of the cooperative's share-chain (the founder's bootstrap key). */
  bootstrapKey: Uint8Array
  /** sha256 of the cooperative's genesis record: peers must agree on it to talk. */
  consensusId: Uint8Array
  /** Present for a private cooperative: the Autobase encryption key. */
  encryptionKey: Uint8Array | null
}

export class JoinKeyError extends Error {
  override name = 'JoinKeyError'
}

function checkKey(what: string, key: unknown): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    throw new JoinKeyError(`${what} must be ${KEY_BYTES} bytes`)
  }
  return key
}

export function encodeJoinKey(key: JoinKey): string {
  const bootstrapKey = checkKey('bootstrap key', key.bootstrapKey)
  const consensusId = checkKey('consensus id', key.consensusId)
  const encryptionKey = key.encryptionKey === null ? null : checkKey('encryption key', key.encryptionKey)

  const payload = new Uint8Array(encryptionKey ? PRIVATE_LENGTH : PUBLIC_LENGTH)
  payload[0] = JOIN_KEY_VERSION
  payload[1] = encryptionKey ? FLAG_PRIVATE : 0
  payload.set(bootstrapKey, 2)
  payload.set(consensusId, 2 + KEY_BYTES)
  if (encryptionKey) payload.set(encryptionKey, 2 + 2 * KEY_BYTES)
  return bech32mEncode(JOIN_KEY_PREFIX, payload)
}

/** Parse a join key typed or pasted by a user. Throws JoinKeyError with a message meant for them. */
export function decodeJoinKey(text: unknown): JoinKey {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new JoinKeyError('invalid join key: empty')
  }
  // Pasted keys often carry surrounding whitespace or a line break in the middle.
  const compact = text.replace(/\s+/g, '')

  let payload: Uint8Array
  try {
    payload = bech32mDecode(compact, JOIN_KEY_PREFIX)
  } catch (err) {
    if (err instanceof Bech32mError) throw new JoinKeyError(`invalid join key: ${err.message}`)
    throw err
  }

  const version = payload[0]
  if (version !== JOIN_KEY_VERSION) {
    const older = version !== undefined && version >= 1 && version < JOIN_KEY_VERSION
    throw new JoinKeyError(
      older
        ? `this join key is for a protocol v${version} cooperative; this hashcoop speaks protocol v${JOIN_KEY_VERSION} only, and v${version} and v${JOIN_KEY_VERSION} nodes cannot share a cooperative: run a v${version} release for it, or start a new cooperative (operator guide, "Upgrading")`
        : `invalid join key: version ${String(version)} is not supported (this hashcoop reads version ${JOIN_KEY_VERSION}; made by a newer hashcoop?)`
    )
  }
  const flags = payload[1] ?? 0
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw new JoinKeyError(`invalid join key: unknown flags 0x${flags.toString(16)} (made by a newer hashcoop?)`)
  }
  const isPrivate = (flags & FLAG_PRIVATE) !== 0
  const expected = isPrivate ? PRIVATE_LENGTH : PUBLIC_LENGTH
  if (payload.length !== expected) {
    throw new JoinKeyError(
      `invalid join key: ${payload.length} bytes of data, expected ${expected} for a ${isPrivate ? 'private' : 'public'} cooperative`
    )
  }

  return {
    bootstrapKey: payload.slice(2, 2 + KEY_BYTES),
    consensusId: payload.slice(2 + KEY_BYTES, 2 + 2 * KEY_BYTES),
    encryptionKey: isPrivate ? payload.slice(2 + 2 * KEY_BYTES, PRIVATE_LENGTH) : null
  }
}
