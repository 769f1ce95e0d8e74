import { parseArgs } from 'node:util'
import { CpuDriver } from '../drivers/cpu.js'
import { formatHashrate } from '../drivers/hashrate.js'
import { MAX_THREADS } from '../drivers/search-space.js'
import { StratumClient, type ClientLogger } from '../drivers/stratum-client.js'
import { parseStratumUrl, type StratumEndpoint } from '../drivers/stratum-url.js'
import { registerCommand } from './commands.js'

export const MINE_DEFAULTS = { password: 'x', threads: 1, statsInterval: 10 } as const

export const MINE_HELP = `Usage: hashcoop mine --stratum stratum+tcp://HOST:PORT --address ADDRESS [options]

Mines with this machine's CPU against a Stratum V1 server: a hashcoop node, or any pool.
Prints accepted/rejected shares and the hashrate as it goes; Ctrl-C stops it.

Options:
  --stratum URL          the server, stratum+tcp://HOST:PORT (required)
  --address ADDRESS      your Bitcoin address, sent as the stratum username (required)
  --worker NAME          worker name, sent as ADDRESS.NAME (default: none)
  --password PASSWORD    stratum password, e.g. x or d=0.01 (default: ${MINE_DEFAULTS.password})
  --threads N            CPU threads, 1-${MAX_THREADS} (default: ${MINE_DEFAULTS.threads})
  --stats-interval SEC   seconds between status lines (default: ${MINE_DEFAULTS.statsInterval})
  -h, --help             show this help`

export interface MineOptions {
  endpoint: StratumEndpoint
  username: string
  password: string
  threads: number
  statsIntervalMs: number
}

/** A refusal of the command line, with the option's name in the message. */
class UsageError extends Error {}

function readFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        stratum: { type: 'string' },
        address: { type: 'string' },
        worker: { type: 'string' },
        password: { type: 'string' },
        threads: { type: 'string' },
        'stats-interval': { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }).values
  } catch (err) {
    // parseArgs names the option in its message ("Unknown option '--foo'").
    throw new UsageError(err instanceof Error ? err.message : String(err))
  }
}

/** Parses and checks mine's arguments; null means --help. */
export function parseMineArgs(argv: string[]): MineOptions | null {
  const values = readFlags(argv)
  if (values.help === true) return null
  const stratum = required(values.stratum, '--stratum')
  let endpoint: StratumEndpoint
  try {
    endpoint = parseStratumUrl(stratum)
  } catch (err) {
    throw new UsageError(`--stratum: ${err instanceof Error ? err.message : String(err)}`)
  }
  const address = required(values.address, '--address')
  // The network is the server's business; here only what cannot be any address is refused.
  if (!/^[a-zA-Z0-9]{14,90}$/.test(address)) throw new UsageError(`--address: ${JSON.stringify(address)} is not a Bitcoin address`)
  const worker = values.worker
  if (worker !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(worker)) throw new UsageError('--worker: use 1-32 letters, digits, _ or -')
  const password = values.password ?? MINE_DEFAULTS.password
  if (password.length > 256) throw new UsageError('--password: longer than 256 characters')
  return {
    endpoint,
    username: worker === undefined ? address : `${address}.${worker}`,
    password,
    threads: integerOption(values.threads, '--threads', MINE_DEFAULTS.threads, 1, MAX_THREADS),
    statsIntervalMs: integerOption(values['stats-interval'], '--stats-interval', MINE_DEFAULTS.statsInterval, 1, 86_400) * 1000
  }
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new UsageError(`${name} is required`)
  return value
}

function integerOption(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  const n = /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${name} must be an integer ${min}-${max}, got ${JSON.stringify(value)}`)
  return n
}

export interface MineIo {
  out(line: string): void
  err(line: string): void
  /** Resolves when mining should stop (SIGINT/SIGTERM in the real command). */
  stopped: Promise<unknown>
}

/** Mines until io.stopped resolves; returns the exit code. */
export async function mine(options: MineOptions, io: MineIo): Promise<number> {
  const driver = new CpuDriver({ threads: options.threads })
  const logger: ClientLogger = { info: (m) => io.err(m), warn: (m) => io.err(m) }
  driver.on('error', (err: Error) => io.err(`driver: ${err.message}`))
  await driver.start()
  const { host, port } = options.endpoint
  const client = new StratumClient({ host, port, username: options.username, password: options.password, driver, logger })
  client.on('authorized', () => io.out(`authorized as ${options.username} at ${host}:${port}`))
  client.on('unauthorized', (reason) => io.err(`not authorized as ${options.username}: ${reason}`))
  client.on('rejected', (o) => io.err(`share rejected (job ${o.jobId}): ${o.reason ?? 'rejected'}`))
  io.out(`mining at ${host}:${port} as ${options.username} with ${options.threads} thread${options.threads === 1 ? '' : 's'}`)
  client.start()
  const status = (): string => {
    const c = client.stats()
    const d = driver.stats()
    const reasons = Object.entries(c.rejectReasons).map(([reason, n]) => `${reason}: ${n}`)
    const threads = d.threads.length > 1 ? ` [${d.threads.map((t) => formatHashrate(t.hashrate)).join(', ')}]` : ''
    const link = c.authorized ? '' : c.connected ? ' (not authorized)' : ' (not connected)'
    return `accepted ${c.accepted}, rejected ${c.rejected}${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}, hashrate ${formatHashrate(d.hashrate)}${threads}, difficulty ${c.difficulty}${link}`
  }
  const ticker = setInterval(() => io.out(status()), options.statsIntervalMs)
  try {
    await io.stopped
  } finally {
    clearInterval(ticker)
    await client.stop()
    await driver.stop()
  }
  io.out(`stopped: ${status()}, ${driver.stats().hashes} hashes`)
  return 0
}

/** Resolves on the first SIGINT or SIGTERM, then lets later ones act as usual. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
      resolve(signal)
    }
    process.on('SIGINT', handler)
    process.on('SIGTERM', handler)
  })
}

export async function runMine(argv: string[]): Promise<number> {
  let options: MineOptions | null
  try {
    options = parseMineArgs(argv)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`hashcoop mine: ${err.message}\nRun 'hashcoop mine --help' for the options.\n`)
    return 2
  }
  if (options === null) {
    process.stdout.write(MINE_HELP + '\n')
    return 0
  }
  return mine(options, { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n'), stopped: untilSignal() })
}

registerCommand({ name: 'mine', summary: 'mine with the CPU against a stratum server', run: runMine })
