/**
 * mining.configure (BIP310). Every requested extension gets an answer; the ones we do not support
 * get false. The reply must be the first thing the miner reads (cgminer takes the next line as it),
 * which holds because the server sends nothing unprompted before subscribe and authorize.
 *
 *   version-rolling       mask = server mask AND miner mask; false when that leaves fewer bits than
 *                         the miner's min-bit-count or none at all
 *   minimum-difficulty    honoured as a per-connection floor for vardiff and suggestions
 *   subscribe-extranonce  true: accepted, and extranonce1 never changes during a session anyway
 */
import { u32BigEndianHex } from '../bitcoin/stratum-encoding.js'
import { parseU32Hex } from './hex.js'

export interface Negotiated {
  /** The reply's result object. */
  result: Record<string, boolean | string>
  /** New version-rolling mask, or undefined when version rolling was not asked about. */
  versionMask?: number
  /** Minimum difficulty the miner asked for, or undefined. */
  minimumDifficulty?: number
}

export function negotiateConfigure(params: unknown[], serverMask: number): Negotiated | { error: string } {
  const [extensions, rawOptions] = params
  if (!Array.isArray(extensions) || !extensions.every((e): e is string => typeof e === 'string')) return { error: 'mining.configure params[0] must be a list of extension names' }
  const options = isRecord(rawOptions) ? rawOptions : {}
  const out: Negotiated = { result: {} }
  for (const name of extensions) {
    if (name === 'version-rolling') {
      const mask = versionMask(options, serverMask)
      out.versionMask = mask ?? 0
      out.result['version-rolling'] = mask !== null
      if (mask !== null) out.result['version-rolling.mask'] = u32BigEndianHex(mask)
    } else if (name === 'minimum-difficulty') {
      const value = options['minimum-difficulty.value']
      const ok = typeof value === 'number' && Number.isFinite(value) && value > 0
      out.result['minimum-difficulty'] = ok
      if (ok) out.minimumDifficulty = value
    } else if (name === 'subscribe-extranonce') {
      out.result['subscribe-extranonce'] = true
    } else {
      out.result[name] = false
    }
  }
  return out
}

/** The negotiated mask, or null when version rolling cannot be granted. */
function versionMask(options: Record<string, unknown>, serverMask: number): number | null {
  const rawMask = options['version-rolling.mask'] ?? 'ffffffff'
  const minerMask = typeof rawMask === 'string' ? parseU32Hex(rawMask) : null
  if (minerMask === null) return null
  const mask = (serverMask & minerMask) >>> 0
  const rawMin = options['version-rolling.min-bit-count'] ?? 0
  const minBits = typeof rawMin === 'number' && Number.isInteger(rawMin) && rawMin >= 0 ? rawMin : Infinity
  if (mask === 0 || bitCount(mask) < minBits) return null
  return mask
}

function bitCount(n: number): number {
  let count = 0
  for (let v = n >>> 0; v !== 0; v >>>= 1) count += v & 1
  return count
}

/**
 * The header version for a submit: the job's bits outside the mask, the miner's inside. Returns null
 * when the miner set bits outside the mask (refused, never silently dropped).
 */
export function rollVersion(jobVersion: number, versionBits: number, mask: number): number | null {
  if ((versionBits & ~mask) >>> 0 !== 0) return null
  return ((jobVersion & ~mask) | (versionBits & mask)) >>> 0
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
