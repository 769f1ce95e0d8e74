/**
 * GET /api/events: server-sent events for the dashboard, so the page updates when something
 * happens instead of polling. Each event names what changed and carries little (the page reads
 * the details from the JSON routes it already uses):
 *
 *   event: tip      {"id","height"}                     the share-chain's best tip moved
 *   event: share    {"id","address","worker","height"}  this node appended a share
 *   event: block    {"hash","height","accepted"}        this node submitted a block
 *   event: worker   {"address","worker","accepted"}     a worker's accounting changed (at most one
 *                                                        per worker per coalesceMs)
 *   event: status   {}                                  the periodic sample (hashrate, bitcoind)
 *
 * Same origin only: a request carrying an Origin header other than this server's own is refused
 * (403), so another site open in the browser cannot subscribe. Bounded: at most maxClients
 * streams (503 beyond), and a client that does not read is dropped rather than buffered for.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { HttpError } from './http.js'

export interface EventHubOptions {
  /** Default 32. */
  maxClients?: number
  /** Comment lines that keep proxies and the browser from timing the stream out. Default 15 s. */
  heartbeatMs?: number
  /** Per-worker coalescing of accounting events. Default 1 s. */
  coalesceMs?: number
}

/** Bytes queued for one client before it counts as not reading. */
const MAX_QUEUED_BYTES = 256 * 1024

export class EventHub {
  private readonly clients = new Set<ServerResponse>()
  private readonly heartbeat: NodeJS.Timeout
  private readonly pendingWorkers = new Map<string, Record<string, unknown>>()
  private flushTimer: NodeJS.Timeout | null = null
  private readonly maxClients: number
  private readonly coalesceMs: number

  constructor(opts: EventHubOptions = {}) {
    this.maxClients = opts.maxClients ?? 32
    this.coalesceMs = opts.coalesceMs ?? 1000
    this.heartbeat = setInterval(() => this.write(': ping\n\n'), opts.heartbeatMs ?? 15_000)
    this.heartbeat.unref()
  }

  get clientCount(): number {
    return this.clients.size
  }

  /** Takes over the response as an event stream (throws HttpError before any byte is sent). */
  open(req: IncomingMessage, res: ServerResponse): void {
    checkSameOrigin(req)
    if (this.clients.size >= this.maxClients) throw new HttpError(503, `too many event streams open (${this.maxClients}); close a dashboard tab`)
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no'
    })
    res.write('retry: 3000\n\n')
    this.clients.add(res)
    const forget = (): void => {
      this.clients.delete(res)
    }
    req.once('close', forget)
    res.once('close', forget)
  }

  publish(event: string, data: Record<string, unknown>): void {
    if (this.clients.size === 0) return
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  }

  /** A worker's accounting changed: sent at most once per worker per coalesceMs. */
  workerChanged(address: string, worker: string, accepted: boolean): void {
    if (this.clients.size === 0) return
    this.pendingWorkers.set(`${address}\u0000${worker}`, { address, worker, accepted })
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = null
      const batch = [...this.pendingWorkers.values()]
      this.pendingWorkers.clear()
      for (const data of batch) this.publish('worker', data)
    }, this.coalesceMs)
  }

  close(): void {
    clearInterval(this.heartbeat)
    if (this.flushTimer !== null) clearTimeout(this.flushTimer)
    for (const res of this.clients) res.end()
    this.clients.clear()
  }

  private write(text: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_QUEUED_BYTES) {
        this.clients.delete(res)
        res.destroy()
        continue
      }
      res.write(text)
    }
  }
}

/**
 * Browsers send Origin on cross-site requests (and Sec-Fetch-Site where supported): either naming
 * another site refuses the stream. Tools without those headers (curl) are let through: the API
 * itself is readable by them anyway.
 */
export function checkSameOrigin(req: IncomingMessage): void {
  const site = req.headers['sec-fetch-site']
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') throw new HttpError(403, 'event stream: same-origin requests only')
  const origin = req.headers.origin
  if (origin === undefined) return
  const host = req.headers.host
  let originHost: string
  try {
    originHost = new URL(origin).host
  } catch {
    throw new HttpError(403, 'event stream: malformed Origin')
  }
  if (host === undefined || originHost !== host) throw new HttpError(403, 'event stream: same-origin requests only')
}
