/**
 * The few pieces of HTTP the API needs on top of node:http: an error that carries its status, JSON
 * replies, strict query parsing (a bad value is a 400 naming the parameter) and a route table.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

/** JSON with bigint as decimal strings (amounts and work are bigints in the share-chain). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

export function sendText(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...headers })
  res.end(body)
}

/** An integer query parameter within [min, max]; `fallback` when absent; 400 otherwise. */
export function intParam(query: URLSearchParams, name: string, fallback: number | null, min: number, max: number): number | null {
  const all = query.getAll(name)
  if (all.length === 0) return fallback
  if (all.length > 1) throw new HttpError(400, `query parameter '${name}' given ${all.length} times`)
  const text = all[0] as string
  const n = /^\d{1,15}$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new HttpError(400, `query parameter '${name}' must be an integer ${min}-${max}, got ${JSON.stringify(text.slice(0, 40))}`)
  return n
}

/** Refuses parameters a route does not know, so a typo is not silently ignored. */
export function onlyParams(query: URLSearchParams, allowed: readonly string[]): void {
  for (const key of query.keys()) {
    if (!allowed.includes(key)) throw new HttpError(400, `unknown query parameter '${key.slice(0, 40)}'${allowed.length > 0 ? ` (known: ${allowed.join(', ')})` : ''}`)
  }
}

export interface RequestContext {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  /** Captured path segments of the route's pattern. */
  params: string[]
}

export type Handler = (ctx: RequestContext) => Promise<void> | void

interface Route {
  method: string
  pattern: RegExp
  handler: Handler
}

export class Router {
  private readonly routes: Route[] = []

  add(method: string, pattern: RegExp, handler: Handler): this {
    this.routes.push({ method, pattern, handler })
    return this
  }

  /** The handler for a request, a 405 for a known path with another method, or null (404). */
  match(method: string, path: string): { handler: Handler; params: string[] } | { allowed: string[] } | null {
    const allowed: string[] = []
    for (const r of this.routes) {
      const m = r.pattern.exec(path)
      if (m === null) continue
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { handler: r.handler, params: m.slice(1).map((s) => decodeURIComponent(s)) }
      allowed.push(r.method)
    }
    return allowed.length > 0 ? { allowed } : null
  }
}

/** A JSON request body, at most `limit` bytes. */
export async function readJsonBody(req: IncomingMessage, limit = 16 * 1024): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw new HttpError(413, `request body larger than ${limit} bytes`)
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new HttpError(400, 'request body is not valid JSON')
  }
}
