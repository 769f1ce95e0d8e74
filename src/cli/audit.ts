import { parseArgs } from 'node:util'
import { RpcClient, type RpcAuth } from '../bitcoin/rpc.js'
import { privateDht, DhtOptionError, type DhtChoice } from '../coop/dht-options.js'
import { audit } from '../audit/audit.js'
import { openSource, type SourceSpec } from '../audit/open-source.js'
import type { ProgressStream } from '../audit/progress.js'
import { renderText } from '../audit/render-text.js'
import { toJson } from '../audit/report.js'
import { registerCommand } from './commands.js'

export const AUDIT_HELP = `Usage: hashcoop audit (--join KEY | --data DIR | --file FILE) [options]

Replays a cooperative's share-chain from its genesis with the node's own consensus code: every
share is re-verified (proof of work, merkle link, commitment, retarget, timestamps, uncles,
payouts) and every record the node derived (tip, heights, miner totals, found blocks) is
compared with the replay's. With --bitcoind, every found block is looked up on the Bitcoin
chain and its coinbase compared, byte for byte, with the split the share-chain dictates.

Source (exactly one):
  --join KEY             join the cooperative read-only and download its share-chain
  --data DIR             a node's data dir (the node must be stopped)
  --file FILE            an export written by 'hashcoop export'

Options:
  --bootstrap LIST       private DHT bootstrap nodes, host:port[,host:port...] (with --join)
  --timeout SEC          with --join: give up after SEC seconds (default ${120})
  --bitcoind URL         reconcile found blocks with this bitcoind, http://host:port
  --rpc-user USER        bitcoind RPC user (with --rpc-password)
  --rpc-password PASS    bitcoind RPC password
  --rpc-cookie FILE      bitcoind's .cookie file instead of user/password
  --json                 print the report as JSON (deterministic: same input, same bytes)
  --timestamp            include the time of the audit in the report
  --no-progress          never draw the progress bar (drawn on stderr only when it is a terminal)
  -h, --help             show this help

Exit status: 0 clean, 1 the audit found problems, 2 bad command line, 3 the audit could not run.`

export const EXIT = { clean: 0, problems: 1, usage: 2, failed: 3 } as const

/** A refusal of the command line, with the option's name in the message. */
export class UsageError extends Error {}

/** Streams and overrides for running a command in-process (tests inject a loopback DHT here). */
export interface CommandIo {
  out: { write(text: string): unknown }
  err: ProgressStream
  /** Overrides the DHT --bootstrap would choose (tests: the local testnet). */
  dht?: DhtChoice
  /** Clock for --timestamp. */
  now?: () => Date
}

export const SOURCE_OPTIONS = {
  join: { type: 'string' },
  data: { type: 'string' },
  file: { type: 'string' },
  bootstrap: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const

/** parseArgs's own messages name the option ("Unknown option '--foo'"): keep them. */
export function asUsageError(err: unknown): UsageError {
  return new UsageError(err instanceof Error ? err.message : String(err))
}

/** The one source the flags name; `allowed` lists the kinds this command reads. */
export function sourceSpec(values: { join?: string; data?: string; file?: string; bootstrap?: string; timeout?: string }, allowed: readonly SourceSpec['kind'][], io: CommandIo): SourceSpec {
  const given = (['join', 'data', 'file'] as const).filter((k) => values[k] !== undefined)
  const flags = allowed.map((k) => `--${k}`).join(', ')
  if (given.length !== 1) throw new UsageError(given.length === 0 ? `give a source: one of ${flags}` : `give exactly one source, not ${given.map((k) => `--${k}`).join(' and ')}`)
  const kind = given[0] as SourceSpec['kind']
  if (!allowed.includes(kind)) throw new UsageError(`--${kind} is not a source here (use one of ${flags})`)
  const value = values[kind] as string
  if (value.trim() === '') throw new UsageError(`--${kind} needs a value`)
  if (kind !== 'join' && values.bootstrap !== undefined) throw new UsageError('--bootstrap only applies to --join')
  if (kind !== 'join' && values.timeout !== undefined) throw new UsageError('--timeout only applies to --join')
  if (kind === 'data') return { kind, dir: value }
  if (kind === 'file') return { kind, path: value }
  let dht: DhtChoice = { kind: 'public' }
  if (values.bootstrap !== undefined) {
    try {
      dht = privateDht(values.bootstrap.split(',').filter((s) => s.trim() !== ''))
    } catch (err) {
      if (err instanceof DhtOptionError) throw new UsageError(`--bootstrap: ${err.message}`)
      throw err
    }
  }
  if (io.dht !== undefined) dht = io.dht
  const timeout = values.timeout === undefined ? 120 : /^\d+$/.test(values.timeout) ? Number(values.timeout) : NaN
  if (!Number.isSafeInteger(timeout) || timeout < 1 || timeout > 86_400) throw new UsageError(`--timeout must be 1-86400 seconds, got ${JSON.stringify(values.timeout)}`)
  return { kind: 'join', joinKey: value, dht, timeoutMs: timeout * 1000 }
}

interface AuditArgs {
  source: SourceSpec
  rpc: RpcClient | null
  json: boolean
  timestamp: boolean
  progress: boolean
}

function parseAuditArgs(argv: string[], io: CommandIo): AuditArgs | null {
  let values
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...SOURCE_OPTIONS,
        bitcoind: { type: 'string' },
        'rpc-user': { type: 'string' },
        'rpc-password': { type: 'string' },
        'rpc-cookie': { type: 'string' },
        json: { type: 'boolean' },
        timestamp: { type: 'boolean' },
        'no-progress': { type: 'boolean' }
      }
    }).values
  } catch (err) {
    throw asUsageError(err)
  }
  if (values.help === true) return null
  const source = sourceSpec(values, ['join', 'data', 'file'], io)
  return { source, rpc: rpcFrom(values), json: values.json === true, timestamp: values.timestamp === true, progress: values['no-progress'] !== true }
}

function rpcFrom(values: { bitcoind?: string; 'rpc-user'?: string; 'rpc-password'?: string; 'rpc-cookie'?: string }): RpcClient | null {
  const user = values['rpc-user']
  const password = values['rpc-password']
  const cookie = values['rpc-cookie']
  if (values.bitcoind === undefined) {
    if (user !== undefined || password !== undefined || cookie !== undefined) throw new UsageError('--rpc-user, --rpc-password and --rpc-cookie need --bitcoind')
    return null
  }
  if (cookie !== undefined && (user !== undefined || password !== undefined)) throw new UsageError('give --rpc-cookie or --rpc-user/--rpc-password, not both')
  if ((user === undefined) !== (password === undefined)) throw new UsageError('--rpc-user and --rpc-password go together')
  const auth: RpcAuth | undefined = cookie !== undefined ? { cookieFile: cookie } : user !== undefined ? { user, password: password as string } : undefined
  try {
    // Few retries: an auditor would rather hear at once that bitcoind is unreachable.
    return new RpcClient({ url: values.bitcoind, ...(auth === undefined ? {} : { auth }), retries: 2, retryDelayMs: 200 })
  } catch (err) {
    throw new UsageError(`--bitcoind: ${(err as Error).message}`)
  }
}

/** The audit command; returns the exit status. */
export async function runAudit(argv: string[], io: CommandIo): Promise<number> {
  let args: AuditArgs | null
  try {
    args = parseAuditArgs(argv, io)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    io.err.write(`hashcoop audit: ${err.message}\nRun 'hashcoop audit --help' for the options.\n`)
    return EXIT.usage
  }
  if (args === null) {
    io.out.write(AUDIT_HELP + '\n')
    return EXIT.clean
  }
  const { rpc } = args
  const progress: ProgressStream = args.progress ? io.err : { write: () => true }
  try {
    const source = await openSource(args.source, (line) => io.err.write(line + '\n'))
    try {
      const now = io.now ?? (() => new Date())
      const report = await audit(source, { bitcoind: rpc, progress, ...(args.timestamp ? { timestamp: () => now().toISOString() } : {}) })
      io.out.write(args.json ? toJson(report) : renderText(report))
      return report.summary.clean ? EXIT.clean : EXIT.problems
    } finally {
      await source.close()
    }
  } catch (err) {
    io.err.write(`hashcoop audit: ${err instanceof Error ? err.message : String(err)}\n`)
    return EXIT.failed
  } finally {
    rpc?.close()
  }
}

export const processIo = (): CommandIo => ({ out: process.stdout, err: process.stderr })

registerCommand({ name: 'audit', summary: "re-verify a cooperative's share-chain and reconcile its payouts", run: (argv) => runAudit(argv, processIo()) })
