/** Strict hex readers for the fields miners send: anything unexpected is null, never a throw. */

const U32_HEX_RE = /^[0-9a-fA-F]{1,8}$/
const BYTES_HEX_RE = /^(?:[0-9a-fA-F]{2})*$/

/** A u32 written as 1-8 hex digits, big-endian (how ntime, nonce and version bits travel). */
export function parseU32Hex(text: string): number | null {
  return U32_HEX_RE.test(text) ? Number.parseInt(text, 16) : null
}

/** Exactly `size` bytes of hex. */
export function parseBytesHex(text: string, size: number): Uint8Array | null {
  if (text.length !== size * 2 || !BYTES_HEX_RE.test(text)) return null
  return new Uint8Array(Buffer.from(text, 'hex'))
}
