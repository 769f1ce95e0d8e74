/**
 * How many bytes of coinbase a miner's firmware takes, per session (docs/miner-guide.md has the
 * table for people). Stratum knows nothing of the share-chain's coinbase classes: it hands the
 * work layer a byte figure (null: no known limit), and the work layer picks the largest class
 * within it (src/sharechain/classes.ts, classForBytes).
 *
 * Precedence, first that says something wins:
 *   1. the miner's password option `cb=N` (bytes) or `cb=full`: the miner knows its firmware;
 *   2. the operator's rules (`hashcoop node --coinbase-class-rules FILE`), user-agent regex -> limit;
 *   3. the built-in table below, by the mining.subscribe user agent;
 *   4. UNKNOWN_AGENT_LIMIT.
 */
import { readFileSync } from 'node:fs'
import type { Checked } from './credentials.js'

/** Bytes of coinbase a firmware takes; null: no known limit (the full coinbase). */
export type CoinbaseLimit = number | null

export interface CoinbaseLimitRule {
  /** Matched against the mining.subscribe user agent. */
  userAgent: RegExp
  limit: CoinbaseLimit
  /** Who this rule is for (logs, the API). */
  label: string
}

/**
 * The built-in table, first match wins (so "cgminer ... antminer" is an Antminer). Figures are the
 * coinbase sizes the firmware families are known to take (SPEC.md §7.4, issue 14).
 */
export const FIRMWARE_TABLE: readonly CoinbaseLimitRule[] = [
  { userAgent: /nicehash|excavator/i, limit: 500, label: 'NiceHash and its proxies (~500 B)' },
  { userAgent: /bosminer|braiins|\bbos\b/i, limit: null, label: 'Braiins OS (16 kB and more)' },
  { userAgent: /\bepic\b|umc/i, limit: null, label: 'ePIC (16 kB and more)' },
  { userAgent: /bitaxe|esp-?miner|axeos/i, limit: null, label: 'Bitaxe / ESP-Miner (16 kB and more)' },
  { userAgent: /nerd\s*-?\s*miner/i, limit: null, label: 'NerdMiner' },
  { userAgent: /antminer|bmminer|bitmain/i, limit: 750, label: 'stock Antminer firmware (S19: ~755 B)' },
  { userAgent: /whatsminer|btminer|microbt/i, limit: 6500, label: 'Whatsminer (~6.5 kB)' },
  { userAgent: /cpuminer|cgminer|bfgminer|minerd|hashcoop/i, limit: null, label: 'cpuminer, cgminer, bfgminer, hashcoop drivers (no limit)' }
]

/**
 * A user agent in no table: the smallest classes' figure. A coinbase larger than the firmware
 * takes means no work at all, a smaller one costs no member anything in expectation (SPEC.md §7.6).
 */
export const UNKNOWN_AGENT_LIMIT: CoinbaseLimit = 500

/** The limit for a session: password option, then operator rules, then the built-in table. */
export function coinbaseLimitFor(userAgent: string | null, password: CoinbaseLimit | undefined, operatorRules: readonly CoinbaseLimitRule[]): CoinbaseLimit {
  if (password !== undefined) return password
  const agent = userAgent ?? ''
  for (const rule of operatorRules) if (rule.userAgent.test(agent)) return rule.limit
  for (const rule of FIRMWARE_TABLE) if (rule.userAgent.test(agent)) return rule.limit
  return UNKNOWN_AGENT_LIMIT
}

/** A limit as the password, rules files and the API write it: a byte figure or "full". */
export function parseLimit(text: string): CoinbaseLimit | undefined {
  const t = text.trim().toLowerCase()
  if (t === 'full') return null
  if (!/^\d{1,9}$/.test(t)) return undefined
  const n = Number(t)
  return n > 0 ? n : undefined
}

/** The `cb=` item of a password (`x,cb=750`, `cb=full`): undefined when there is none. */
export function parsePasswordCoinbaseLimit(password: string): Checked<CoinbaseLimit | undefined> {
  let found: CoinbaseLimit | undefined
  for (const item of password.split(',')) {
    const m = /^\s*cb\s*=\s*(.*?)\s*$/i.exec(item)
    if (m === null) continue
    const limit = parseLimit(m[1] ?? '')
    if (limit === undefined) return { ok: false, message: `password cb= must be a coinbase size in bytes (such as cb=750) or cb=full, got ${JSON.stringify((m[1] ?? '').slice(0, 32))}` }
    found = limit
  }
  return { ok: true, value: found }
}

/**
 * Reads an operator's rules file: a JSON array of `{ "userAgent": "regex", "coinbase": 750 | "full" }`,
 * tried in order before the built-in table. Throws an Error naming the file and the entry.
 */
export function loadCoinbaseLimitRules(path: string): CoinbaseLimitRule[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new Error(`coinbase class rules ${path}: cannot read: ${err instanceof Error ? err.message : String(err)}`)
  }
  return parseCoinbaseLimitRules(text, path)
}

export function parseCoinbaseLimitRules(text: string, source: string): CoinbaseLimitRule[] {
  const fail = (why: string): never => {
    throw new Error(`coinbase class rules ${source}: ${why} (expected a JSON array of {"userAgent": "regex", "coinbase": 750 or "full"})`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    return fail(`not JSON: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (!Array.isArray(json)) return fail('not an array')
  return json.map((entry: unknown, i): CoinbaseLimitRule => {
    if (typeof entry !== 'object' || entry === null) return fail(`entry ${i} is not an object`)
    const { userAgent, coinbase } = entry as Record<string, unknown>
    if (typeof userAgent !== 'string' || userAgent.length === 0) return fail(`entry ${i}: "userAgent" must be a non-empty regular expression`)
    let pattern: RegExp
    try {
      pattern = new RegExp(userAgent, 'i')
    } catch (err) {
      return fail(`entry ${i}: "userAgent" is not a regular expression: ${err instanceof Error ? err.message : String(err)}`)
    }
    const limit = typeof coinbase === 'number' || typeof coinbase === 'string' ? parseLimit(String(coinbase)) : undefined
    if (limit === undefined) return fail(`entry ${i}: "coinbase" must be a positive number of bytes or "full"`)
    return { userAgent: pattern, limit, label: `operator rule ${i}: /${userAgent}/` }
  })
}

/** A limit for people and the API: "750 B" or "full". */
export function describeLimit(limit: CoinbaseLimit): string {
  return limit === null ? 'full' : `${limit} B`
}
