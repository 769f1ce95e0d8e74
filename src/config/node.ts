/**
 * `hashcoop node`'s options: the table (flags, env, file, defaults, help) and their checks. Every
 * value is checked before anything starts; a refusal names the option and says why.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { RpcAuth } from '../bitcoin/rpc.js'
import { decodeJoinKey } from '../coop/join-key.js'
import { privateDht, type DhtChoice } from '../coop/dht-options.js'
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../log/logger.js'
import { parseTarget } from '../notify/notifier.js'
import { resolveOptions, type ResolvedOptions } from './sources.js'
import { optionsHelp, PRECEDENCE_HELP, type OptionSpec } from './spec.js'
import { parseCoinbaseClassRules, parseStratumLimits, parseStratumTls, STRATUM_LIMIT_OPTIONS, type StratumLimits, type StratumTlsSettings } from './stratum-options.js'
import type { CoinbaseLimitRule } from '../stratum/coinbase-limits.js'
import { parseChoice, parseHostPort, parseHttpUrl, parseInteger, parsePositiveNumber, parseZmqUrl, redactUrl, type HostPort } from './values.js'

export const DEFAULT_DATA_DIR = join(homedir(), '.hashcoop')

/** Shared by every command that opens a data dir. */
export const DATA_OPTION: OptionSpec = { name: 'data', kind: 'string', valueName: 'DIR', help: 'data directory (share-chain store, coop.json, api.json)', default: DEFAULT_DATA_DIR, defaultText: '~/.hashcoop' }
export const CONFIG_OPTION: OptionSpec = { name: 'config', kind: 'string', valueName: 'FILE', help: 'JSON config file of option names and values', flagOnly: true }
export const HELP_OPTION: OptionSpec = { name: 'help', kind: 'boolean', short: 'h', help: 'show this help', flagOnly: true }
export const LOG_OPTIONS: OptionSpec[] = [
  { name: 'log-level', kind: 'string', valueName: 'LEVEL', help: `${LOG_LEVELS.join('|')}`, default: 'info' },
  { name: 'log-format', kind: 'string', valueName: 'FORMAT', help: 'pretty (human) | json | auto: pretty on a terminal, JSON otherwise', default: 'auto' }
]

export const NODE_OPTIONS: OptionSpec[] = [
  DATA_OPTION,
  { name: 'join', kind: 'string', valueName: 'KEY', help: "the cooperative's join key (hashcoop1...); not needed once the data dir has joined", secret: true },
  { name: 'bitcoind', kind: 'string', valueName: 'URL', help: "your Bitcoin Core's JSON-RPC", default: 'http://127.0.0.1:8332' },
  { name: 'rpc-user', kind: 'string', valueName: 'USER', help: 'RPC user (rpcauth in bitcoin.conf)' },
  { name: 'rpc-password', kind: 'string', valueName: 'PASS', help: 'RPC password (prefer HASHCOOP_RPC_PASSWORD or the config file: flags show in ps)', secret: true },
  { name: 'rpc-cookie', kind: 'string', valueName: 'FILE', help: "Bitcoin Core's .cookie file instead of user/password" },
  { name: 'zmq', kind: 'string', valueName: 'URL', help: "bitcoind's zmqpubhashblock endpoint, e.g. tcp://127.0.0.1:28332 (default: none: getblocktemplate longpoll, or polling when bitcoind offers no longpoll)" },
  { name: 'poll-ms', kind: 'string', valueName: 'MS', help: 'getbestblockhash interval, 50-60000: new-block polling without ZMQ or longpoll, and the liveness check beside them (a silent bitcoind is lost after this plus 1 s)', default: '500' },
  { name: 'stratum', kind: 'string', valueName: 'HOST:PORT', help: 'where miners connect (Stratum V1)', default: '0.0.0.0:3333' },
  { name: 'start-difficulty', kind: 'string', valueName: 'N', help: "a new miner's stratum difficulty before vardiff adjusts it", default: '1024' },
  ...STRATUM_LIMIT_OPTIONS,
  { name: 'max-share-rate', kind: 'string', valueName: 'N', help: 'accepted submissions per second one stratum connection may cost before its difficulty is raised (a too-low d= included); 0 turns the guard off', default: '10' },
  { name: 'http', kind: 'string', valueName: 'HOST:PORT', help: 'HTTP API, dashboard and /metrics; "off" to disable', default: '127.0.0.1:8080' },
  { name: 'bootstrap', kind: 'string', valueName: 'LIST', help: 'private DHT bootstrap nodes host:port[,host:port...] (default: the public HyperDHT)' },
  { name: 'tag', kind: 'string', valueName: 'TEXT', help: 'coinbase tag, at most 32 bytes', default: '/hashcoop/' },
  { name: 'notify', kind: 'string', valueName: 'URL', help: 'post alerts (blocks, workers offline/back, hashrate drops, bitcoind, peers) to this webhook; repeatable; ntfy+https://HOST/TOPIC for ntfy', secret: true, repeatable: true },
  { name: 'notify-offline-minutes', kind: 'string', valueName: 'MIN', help: 'a worker is offline after this long without an accepted share, 1-1440', default: '10' },
  { name: 'notify-drop-percent', kind: 'string', valueName: 'PCT', help: "alert when a worker's 10 min hashrate falls this far below its 1 h average, 1-100", default: '50' },
  { name: 'genesis-timeout', kind: 'string', valueName: 'SEC', help: "when joining: how long to wait for a peer with the cooperative's genesis", default: '60' },
  {
    name: 'restored-alone',
    kind: 'boolean',
    help: "a data dir from 'hashcoop restore' starts only once a member has confirmed that the node it was backed up from is gone; with this flag it starts when no member answers within 30 s (you vouch that the backup holds all that node wrote)",
    flagOnly: true
  },
  ...LOG_OPTIONS,
  CONFIG_OPTION,
  HELP_OPTION
]

export const NODE_HELP = `Usage: hashcoop node [--join KEY] [options]

Runs a cooperative node beside your Bitcoin Core: keeps the share-chain with the other members,
builds block templates from your bitcoind, serves your miners over Stratum V1, and pays every
block the cooperative finds straight from its coinbase. Ctrl-C (SIGINT) or SIGTERM stops it.

Options:
${optionsHelp(NODE_OPTIONS)}

${PRECEDENCE_HELP}`

export interface NodeSettings {
  dataDir: string
  joinKey: string | undefined
  bitcoind: { url: string; auth?: RpcAuth; zmqUrl?: string; pollIntervalMs: number }
  stratum: HostPort & { startDifficulty: number; maxShareRate: number; limits: StratumLimits; tls: StratumTlsSettings | null; coinbaseLimitRules: CoinbaseLimitRule[] }
  /** null: no HTTP API. */
  http: HostPort | null
  dht: DhtChoice
  tag: string
  genesisTimeoutMs: number
  /** --restored-alone (node/restored-guard.ts). */
  restoredAlone: boolean
  /** null: no --notify. */
  notify: { targets: string[]; offlineAfterMs: number; dropPercent: number } | null
  logLevel: LogLevel
  logFormat: LogFormat
  /** The effective configuration, secrets masked (for the start-up log line). */
  effective: ReturnType<ResolvedOptions['describe']>
}

/** Parses and checks; null means --help was asked for. Throws ConfigError. */
export async function nodeSettings(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<NodeSettings | null> {
  const o = await resolveOptions(NODE_OPTIONS, { argv, env })
  if (o.flag('help')) return null
  const dataDir = o.string('data') as string
  const joinKey = o.parse('join', (t) => {
    decodeJoinKey(t)
    return t.replace(/\s+/g, '')
  })
  const url = o.parse('bitcoind', parseHttpUrl) as string
  const auth = rpcAuth(o, url)
  const zmqUrl = o.parse('zmq', parseZmqUrl)
  const pollIntervalMs = o.parse('poll-ms', (t) => parseInteger(t, 50, 60_000)) as number
  const stratum = o.parse('stratum', (t) => parseHostPort(t)) as HostPort
  const startDifficulty = o.parse('start-difficulty', parsePositiveNumber) as number
  const maxShareRate = o.parse('max-share-rate', (t) => (t.trim() === '0' ? 0 : parsePositiveNumber(t))) as number
  const http = o.parse('http', (t) => (t.trim() === 'off' ? null : parseHostPort(t, '127.0.0.1'))) ?? null
  if (http !== null && http.port !== 0 && http.port === stratum.port && (http.host === stratum.host || stratum.host === '0.0.0.0' || http.host === '0.0.0.0')) {
    o.fail('http', `port ${http.port} is also --stratum's`)
  }
  const bootstrap = o.parse('bootstrap', (t) => t.split(',').map((s) => s.trim()).filter((s) => s !== ''))
  let dht: DhtChoice = { kind: 'public' }
  if (bootstrap !== undefined) dht = o.parse('bootstrap', () => privateDht(bootstrap)) as DhtChoice
  const tag = o.string('tag') as string
  if (Buffer.byteLength(tag) > 32) o.fail('tag', `at most 32 bytes, got ${Buffer.byteLength(tag)}`)
  const genesisTimeoutMs = (o.parse('genesis-timeout', (t) => parseInteger(t, 1, 86_400)) as number) * 1000
  const notify = notifySettings(o)
  const logLevel = o.parse('log-level', (t) => parseChoice(t, LOG_LEVELS)) as LogLevel
  const logFormat = o.parse('log-format', (t) => parseChoice(t, LOG_FORMATS)) as LogFormat
  const effective = o.describe()
  const bitcoind = effective.bitcoind
  if (bitcoind !== undefined) bitcoind.value = redactUrl(String(bitcoind.value))
  return {
    dataDir,
    joinKey,
    bitcoind: { url, ...(auth !== undefined ? { auth } : {}), ...(zmqUrl !== undefined ? { zmqUrl } : {}), pollIntervalMs },
    stratum: { ...stratum, startDifficulty, maxShareRate, limits: parseStratumLimits(o), tls: parseStratumTls(o, stratum), coinbaseLimitRules: parseCoinbaseClassRules(o) },
    http,
    dht,
    tag,
    genesisTimeoutMs,
    restoredAlone: o.flag('restored-alone'),
    notify,
    logLevel,
    logFormat,
    effective
  }
}

function notifySettings(o: ResolvedOptions): NodeSettings['notify'] {
  const targets = o.parse('notify', (t) => {
    const list = t.split(/[\s,]+/).filter((u) => u !== '')
    for (const u of list) parseTarget(u)
    return list
  })
  const offlineAfterMs = (o.parse('notify-offline-minutes', (t) => parseInteger(t, 1, 1440)) as number) * 60_000
  const dropPercent = o.parse('notify-drop-percent', (t) => parseInteger(t, 1, 100)) as number
  return targets === undefined || targets.length === 0 ? null : { targets, offlineAfterMs, dropPercent }
}

function rpcAuth(o: ResolvedOptions, url: string): RpcAuth | undefined {
  const user = o.string('rpc-user')
  const password = o.string('rpc-password')
  const cookie = o.string('rpc-cookie')
  if (cookie !== undefined && (user !== undefined || password !== undefined)) o.fail('rpc-cookie', 'give --rpc-cookie or --rpc-user/--rpc-password, not both')
  if (user !== undefined && password === undefined) o.fail('rpc-password', 'required with --rpc-user')
  if (password !== undefined && user === undefined) o.fail('rpc-user', 'required with --rpc-password')
  if (cookie !== undefined) return { cookieFile: cookie }
  if (user !== undefined && password !== undefined) return { user, password }
  if (/\/\/[^/@\s]+:[^/@\s]*@/.test(url)) return undefined // credentials in the URL
  return o.fail('rpc-cookie', "bitcoind needs credentials: give --rpc-cookie FILE (Bitcoin Core's .cookie) or --rpc-user and --rpc-password")
}
