/**
 * `hashcoop node`'s stratum limit and TLS options (issue 13): the table rows and their parsing.
 * The defaults are the stratum server's own (stratum/config.ts LIMIT_DEFAULTS), so help and
 * behaviour cannot disagree.
 */
import { LIMIT_DEFAULTS } from '../stratum/config.js'
import { loadCoinbaseLimitRules, type CoinbaseLimitRule } from '../stratum/coinbase-limits.js'
import type { ResolvedOptions } from './sources.js'
import type { OptionSpec } from './spec.js'
import { parseHostPort, parseInteger, type HostPort } from './values.js'

type LimitName = keyof typeof LIMIT_DEFAULTS

/** Each limit: its flag, the server option, the unit the flag takes (seconds for timeouts), help. */
const LIMITS: { flag: string; option: LimitName; seconds: boolean; min: number; help: string }[] = [
  { flag: 'max-connections', option: 'maxConnections', seconds: false, min: 1, help: 'stratum connections in total (each needs a file descriptor: raise ulimit -n to match)' },
  { flag: 'max-connections-per-ip', option: 'maxConnectionsPerIp', seconds: false, min: 1, help: 'connections from one IP address (a farm behind NAT is one)' },
  { flag: 'max-connections-per-prefix', option: 'maxConnectionsPerPrefix', seconds: false, min: 1, help: 'connections from one /24 (IPv4) or /64 (IPv6)' },
  { flag: 'max-unproven-sessions', option: 'maxUnprovenSessions', seconds: false, min: 1, help: 'authorized sessions whose address has no accepted share on this node yet' },
  { flag: 'max-unproven-addresses', option: 'maxUnprovenAddresses', seconds: false, min: 1, help: 'distinct payout addresses without an accepted share yet' },
  { flag: 'max-unproven-per-prefix', option: 'maxUnprovenPerPrefix', seconds: false, min: 1, help: 'unproven sessions from one /24 or /64' },
  { flag: 'unproven-timeout', option: 'unprovenTimeoutMs', seconds: true, min: 1, help: 'seconds an unproven session may mine before its first accepted share' },
  { flag: 'handshake-timeout', option: 'handshakeTimeoutMs', seconds: true, min: 1, help: 'seconds a connection has to subscribe and authorize' },
  { flag: 'idle-timeout', option: 'idleTimeoutMs', seconds: true, min: 1, help: 'seconds a miner may go without an accepted share' },
  { flag: 'max-line-bytes', option: 'maxLineBytes', seconds: false, min: 256, help: 'longest stratum line a miner may send' }
]

export const STRATUM_LIMIT_OPTIONS: OptionSpec[] = [
  ...LIMITS.map((l): OptionSpec => ({ name: l.flag, kind: 'string', valueName: l.seconds ? 'SEC' : 'N', help: l.help, default: String(l.seconds ? LIMIT_DEFAULTS[l.option] / 1000 : LIMIT_DEFAULTS[l.option]) })),
  { name: 'stratum-tls', kind: 'string', valueName: 'HOST:PORT', help: 'also serve Stratum over TLS here (needs --tls-cert and --tls-key)' },
  { name: 'tls-cert', kind: 'string', valueName: 'FILE', help: 'PEM certificate (chain) for --stratum-tls' },
  { name: 'tls-key', kind: 'string', valueName: 'FILE', help: 'PEM private key for --stratum-tls' },
  { name: 'coinbase-class-rules', kind: 'string', valueName: 'FILE', help: 'JSON list of {"userAgent": "regex", "coinbase": 750 or "full"}: the coinbase size for miners whose user agent matches, before the built-in firmware table (docs/miner-guide.md)' }
]

export type StratumLimits = { -readonly [K in LimitName]: number }

export interface StratumTlsSettings extends HostPort {
  certFile: string
  keyFile: string
}

export function parseStratumLimits(o: ResolvedOptions): StratumLimits {
  const limits = {} as StratumLimits
  for (const l of LIMITS) {
    const n = o.parse(l.flag, (t) => parseInteger(t, l.min, l.seconds ? 86_400 * 7 : 10_000_000)) as number
    limits[l.option] = l.seconds ? n * 1000 : n
  }
  return limits
}

/** The operator's user-agent rules (--coinbase-class-rules), read and checked now: none without the flag. */
export function parseCoinbaseClassRules(o: ResolvedOptions): CoinbaseLimitRule[] {
  return o.parse('coinbase-class-rules', (t) => loadCoinbaseLimitRules(t)) ?? []
}

/** null without --stratum-tls; cert and key are then required (and refused without it). */
export function parseStratumTls(o: ResolvedOptions, plain: HostPort): StratumTlsSettings | null {
  const at = o.parse('stratum-tls', (t) => parseHostPort(t))
  const certFile = o.string('tls-cert')
  const keyFile = o.string('tls-key')
  if (at === undefined) {
    if (certFile !== undefined) o.fail('tls-cert', 'only used with --stratum-tls')
    if (keyFile !== undefined) o.fail('tls-key', 'only used with --stratum-tls')
    return null
  }
  if (certFile === undefined) return o.fail('tls-cert', 'required with --stratum-tls')
  if (keyFile === undefined) return o.fail('tls-key', 'required with --stratum-tls')
  if (at.port !== 0 && at.port === plain.port) o.fail('stratum-tls', `port ${at.port} is also --stratum's`)
  return { ...at, certFile, keyFile }
}
