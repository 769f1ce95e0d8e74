import { initEccLib } from 'bitcoinjs-lib'
import { Point } from '@noble/secp256k1'
import { toHex } from './bytes.js'

/**
 * The two curve operations bitcoinjs-lib needs to handle taproot addresses, from @noble/secp256k1
 * (pure JS, no native build). Initialised once, on first import.
 */
const N = Point.CURVE().n

function liftX(x: Uint8Array): Point | null {
  if (x.length !== 32) return null
  try {
    return Point.fromHex('02' + toHex(x))
  } catch {
    return null
  }
}

function bigintFromBytes(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + toHex(b))
}

export const nobleEcc = {
  isXOnlyPoint(p: Uint8Array): boolean {
    return liftX(p) !== null
  },
  xOnlyPointAddTweak(p: Uint8Array, tweak: Uint8Array): { parity: 0 | 1; xOnlyPubkey: Uint8Array } | null {
    const point = liftX(p)
    const t = bigintFromBytes(tweak)
    if (point === null || tweak.length !== 32 || t >= N) return null
    const q = t === 0n ? point : point.add(Point.BASE.multiply(t))
    if (q.is0()) return null
    const compressed = q.toBytes(true)
    return { parity: compressed[0] === 0x03 ? 1 : 0, xOnlyPubkey: compressed.slice(1) }
  }
}

let initialised = false
export function ensureEccLib(): void {
  if (initialised) return
  initEccLib(nobleEcc)
  initialised = true
}
