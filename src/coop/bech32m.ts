// Bech32m (BIP 350) text encoding, without BIP 173's 90-character limit.
//
// Why bech32m for hashcoop's join key: its checksum is a BCH code over GF(32) whose generator
// has a non-zero constant term, so ANY single-character substitution changes the checksum at
// every length (an error e*x^i is never a multiple of the generator); up to 4 errors are always
// caught for strings up to 89 characters and, past that, a random error slips through with
// probability ~2^-30. The alphabet has no 1/b/i/o, is case-insensitive, and a double-click
// selects the whole string. The human-readable part is covered by the checksum too.

const ALPHABET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
const BECH32M_CONST = 0x2bc830a3
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3] as const

const ALPHABET_INDEX = new Map<string, number>([...ALPHABET].map((ch, i) => [ch, i]))

export class Bech32mError extends Error {
  override name = 'Bech32mError'
}

function polymod(values: readonly number[]): number {
  let chk = 1
  for (const v of values) {
    const top = chk >>> 25
    chk = ((chk & 0x1ffffff) << 5) ^ v
    for (let i = 0; i < 5; i++) {
      if ((top >>> i) & 1) chk ^= GENERATOR[i] as number
    }
  }
  return chk >>> 0
}

function expandHrp(hrp: string): number[] {
  const out: number[] = []
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >>> 5)
  out.push(0)
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31)
  return out
}

function checksum(hrp: string, data: readonly number[]): number[] {
  const mod = polymod([...expandHrp(hrp), ...data, 0, 0, 0, 0, 0, 0]) ^ BECH32M_CONST
  const out: number[] = []
  for (let i = 0; i < 6; i++) out.push((mod >>> (5 * (5 - i))) & 31)
  return out
}

/** Regroup bits: 8-bit bytes to 5-bit words (pad) or back (padding must be zero). */
function convertBits(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] {
  let acc = 0
  let bits = 0
  const out: number[] = []
  const maxv = (1 << to) - 1
  for (let i = 0; i < data.length; i++) {
    acc = (acc << from) | (data[i] as number)
    bits += from
    while (bits >= to) {
      bits -= to
      out.push((acc >>> bits) & maxv)
    }
    acc &= (1 << bits) - 1
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & maxv)
  } else if (bits >= from || ((acc << (to - bits)) & maxv) !== 0) {
    throw new Bech32mError('invalid padding in the data part')
  }
  return out
}

export function bech32mEncode(hrp: string, bytes: Uint8Array): string {
  const words = convertBits(bytes, 8, 5, true)
  const all = [...words, ...checksum(hrp, words)]
  return hrp + '1' + all.map((w) => ALPHABET[w]).join('')
}

/**
 * Decode and verify. Errors say what is wrong in terms a user can act on. The checksum is
 * verified before anything about the data is interpreted.
 */
export function bech32mDecode(text: string, expectedHrp: string): Uint8Array {
  return Uint8Array.from(convertBits(bech32mDecodeWords(text, expectedHrp), 5, 8, false))
}

/** Decode and verify, returning the 5-bit data words (without the checksum). */
export function bech32mDecodeWords(text: string, expectedHrp: string): number[] {
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) {
    throw new Bech32mError('mixed upper and lower case')
  }
  const lower = text.toLowerCase()
  const sep = lower.lastIndexOf('1')
  if (sep < 1) throw new Bech32mError(`does not start with "${expectedHrp}1"`)
  const hrp = lower.slice(0, sep)
  if (hrp !== expectedHrp) {
    throw new Bech32mError(`does not start with "${expectedHrp}1" (found "${hrp}1")`)
  }
  const dataPart = lower.slice(sep + 1)
  if (dataPart.length < 6) throw new Bech32mError('too short: the key was truncated')
  const words: number[] = []
  for (let i = 0; i < dataPart.length; i++) {
    const ch = dataPart[i] as string
    const w = ALPHABET_INDEX.get(ch)
    if (w === undefined) {
      throw new Bech32mError(`invalid character "${ch}" at position ${sep + 2 + i}`)
    }
    words.push(w)
  }
  if (polymod([...expandHrp(hrp), ...words]) !== BECH32M_CONST) {
    throw new Bech32mError('checksum mismatch: the key was mistyped or truncated')
  }
  return words.slice(0, -6)
}
