/**
 * Parsers for option values. Each throws an Error whose message says what was expected; the
 * caller (ResolvedOptions.parse) prefixes the option's flag and where the value came from.
 */
export interface HostPort {
  host: string
  port: number
}

/** "host:port", "[v6]:port" or ":port" (all interfaces). Port 0 means any free port. */
export function parseHostPort(text: string, defaultHost = '0.0.0.0'): HostPort {
  const t = text.trim()
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/]*)):(\d{1,5})$/.exec(t)
  const port = m === null ? NaN : Number(m[3])
  if (m === null || !(port >= 0 && port <= 65535)) throw new Error(`expected HOST:PORT (e.g. 127.0.0.1:8080), port 0-65535, got ${JSON.stringify(text.slice(0, 80))}`)
  const host = m[1] ?? (m[2] === '' || m[2] === undefined ? defaultHost : m[2])
  return { host, port }
}

export function parseInteger(text: string, min: number, max: number): number {
  const t = text.trim()
  const n = /^-?\d{1,16}$/.test(t) ? Number(t) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`expected an integer ${min}-${max}, got ${JSON.stringify(text.slice(0, 40))}`)
  return n
}

export function parsePositiveNumber(text: string): number {
  const t = text.trim()
  const n = /^(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(t) ? Number(t) : NaN
  if (!Number.isFinite(n) || n <= 0) throw new Error(`expected a positive number, got ${JSON.stringify(text.slice(0, 40))}`)
  return n
}

export function parseChoice<T extends string>(text: string, choices: readonly T[]): T {
  const t = text.trim()
  if (!(choices as readonly string[]).includes(t)) throw new Error(`expected one of ${choices.join(', ')}, got ${JSON.stringify(text.slice(0, 40))}`)
  return t as T
}

/** bitcoind's RPC URL: http://host:port (Core's RPC is plain HTTP; put TLS in front yourself). */
export function parseHttpUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    throw new Error(`expected a URL like http://127.0.0.1:8332, got ${JSON.stringify(redactUrl(text).slice(0, 80))}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`expected an http:// URL, got ${url.protocol}`)
  if (url.hostname === '') throw new Error('the URL has no host')
  return text.trim()
}

/** ZMQ endpoint: tcp://host:port or ipc://path (Core's -zmqpubhashblock). */
export function parseZmqUrl(text: string): string {
  const t = text.trim()
  if (!/^(tcp:\/\/[^\s/]+:\d{1,5}|ipc:\/\/\S+)$/.test(t)) throw new Error(`expected tcp://HOST:PORT (e.g. tcp://127.0.0.1:28332) or ipc://PATH, got ${JSON.stringify(t.slice(0, 80))}`)
  return t
}

/** A URL with any user:password@ removed, for messages. */
export function redactUrl(text: string): string {
  return text.replace(/\/\/[^@/\s]*@/, '//***@')
}
