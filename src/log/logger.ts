/**
 * The process logger: pino, one line per event. Human-readable (pino-pretty) when the output is a
 * terminal, JSON otherwise (journald, docker, a log shipper), or as --log-format says.
 *
 * pino-pretty runs as a plain stream in this thread (sync), not as a pino transport: a transport
 * is a worker thread, which would outlive a quick `hashcoop init` and lose lines on a crash.
 *
 * Secrets never reach a line: whatever the call site passes, the fields below are censored.
 */
import { pino, type DestinationStream, type Logger } from 'pino'
import pretty from 'pino-pretty'
import { Writable } from 'node:stream'
import type { CoopLogger } from '../coop/log.js'
import type { StratumLogger } from '../stratum/types.js'
import type { ClientLogger } from '../drivers/stratum-client.js'

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export const LOG_FORMATS = ['pretty', 'json', 'auto'] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

/**
 * Field names whose values are secrets, at the top level and one level down. The RPC password,
 * the API token, a private cooperative's encryption key (and so its full join key), cookie
 * contents, and any HTTP authorization header.
 */
const SECRET_FIELDS = ['password', 'rpcPassword', 'rpc-password', 'token', 'apiToken', 'encryptionKey', 'cookie', 'authorization', 'auth', 'joinKey']
export const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => (/^\w+$/.test(f) ? [f, `*.${f}`] : [`["${f}"]`, `*["${f}"]`]))

export interface LoggerOptions {
  level: LogLevel
  format: LogFormat
  /** Where lines go (default stdout): a stream, or anything with write(line) (the demo's event log). */
  destination?: DestinationStream & { isTTY?: boolean }
  /** Bound to every line, e.g. { node: 1 } in the demo. */
  base?: Record<string, unknown>
}

export type { Logger }

export function createLogger(opts: LoggerOptions): Logger {
  const destination = opts.destination ?? process.stdout
  const format = opts.format === 'auto' ? (destination.isTTY === true ? 'pretty' : 'json') : opts.format
  const options = {
    level: opts.level,
    base: opts.base ?? {},
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime
  }
  const stream: DestinationStream =
    format === 'pretty'
      ? pretty({
          colorize: destination.isTTY === true,
          translateTime: 'SYS:HH:MM:ss',
          ignore: 'pid,hostname',
          singleLine: true,
          sync: true,
          destination: asWritable(destination)
        })
      : destination
  return pino(options, stream)
}

/** pino-pretty writes to a stream; a plain { write } sink (tests, the demo) gets wrapped in one. */
function asWritable(d: DestinationStream): NodeJS.WritableStream {
  if (typeof (d as Partial<NodeJS.WritableStream>).on === 'function') return d as unknown as NodeJS.WritableStream
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      d.write(chunk.toString())
      done()
    }
  })
}

/** The logger surface of coop/ and node/ ((fields, message) like pino's). */
export function coopLogger(logger: Logger): CoopLogger {
  return {
    debug: (f, m) => logger.debug(f, m),
    info: (f, m) => logger.info(f, m),
    warn: (f, m) => logger.warn(f, m),
    error: (f, m) => logger.error(f, m)
  }
}

export function stratumLogger(logger: Logger): StratumLogger {
  return {
    debug: (f, m) => logger.debug(f, m),
    info: (f, m) => logger.info(f, m),
    warn: (f, m) => logger.warn(f, m),
    error: (f, m) => logger.error(f, m)
  }
}

/** The stratum client logs plain messages. */
export function clientLogger(logger: Logger): ClientLogger {
  return { info: (m) => logger.info(m), warn: (m) => logger.warn(m) }
}
