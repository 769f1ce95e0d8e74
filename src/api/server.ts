/**
 * The node's HTTP API and dashboard (node:http, no framework), on 127.0.0.1 unless told otherwise.
 *
 *   GET  /                       the dashboard (HTML; /dashboard.css, /dashboard.js)
 *   GET  /api/status             cooperative, node, tip, bitcoind, peers, stratum totals
 *   GET  /api/miners             every miner: hashrate, shares, window part, expected payout, workers
 *   GET  /api/miners/:address    one miner, its workers' accounting and its payouts (400 malformed
 *                                address, 404 unknown miner)
 *   GET  /api/miners/:address/chart  its hashrate on this node, best shares marked (?hours=1-24&points=2-500)
 *   GET  /api/events             server-sent events: tip, share, block, worker, status (same origin only)
 *   GET  /miner/:address         the miner page (HTML; /miner.js)
 *   GET  /api/shares             the best chain, newest first (?limit=1-500&before=HEIGHT)
 *   GET  /api/blocks             found blocks with their payouts (?limit=1-500&before=SEQ)
 *   GET  /api/payouts/next       the split a block found now would pay (?finder=ADDRESS)
 *   GET  /api/hashrate           the chart's series (?minutes=1-1440&points=2-500)
 *   GET  /metrics                Prometheus text format
 *   POST /api/admin/:op          add-writer | add-indexer | remove-indexer, {"key": HEX};
 *                                needs "Authorization: Bearer TOKEN" (the data dir's api.json)
 *   POST /api/admin/backup       {"out": ABSOLUTE PATH, "force"?: bool}: an online backup written
 *                                by the node (`hashcoop backup`); same token
 *
 * Errors are JSON {"error": message} with the status that fits; nothing a client sends can crash
 * the node (every handler's failure is a 500 logged at warn).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isAbsolute } from 'node:path'
import type { CoopLogger } from '../coop/log.js'
import { silentLogger } from '../coop/log.js'
import { isAdminOp, parseWriterKey, runAdminOp, tokenMatches, WriterKeyError } from './admin.js'
import { ApiContext } from './context.js'
import { DASHBOARD_CSS } from './dashboard/style.js'
import { DASHBOARD_HTML, LOGO_SVG } from './dashboard/page.js'
import { DASHBOARD_JS } from './dashboard/script.js'
import { MINER_HTML } from './dashboard/miner-page.js'
import { MINER_JS } from './dashboard/miner-script.js'
import { EventHub, type EventHubOptions } from './events.js'
import { minerChartBody } from './miner-chart.js'
import { hashrateSeries } from './estimates.js'
import { HttpError, intParam, onlyParams, readJsonBody, Router, sendJson, sendText, type RequestContext } from './http.js'
import { Metrics } from './metrics.js'
import { minerBody, minersBody } from './miners.js'
import { nextPayoutBody } from './payouts.js'
import { blocksBody, sharesBody } from './shares.js'
import type { ApiNode } from './source.js'
import { statusBody } from './status.js'

export interface ApiServerOptions {
  node: ApiNode
  /** Default 127.0.0.1: the API shows every miner's address and earnings; expose it on purpose. */
  host?: string
  /** 0 for any free port. */
  port: number
  /** Bearer token for POST /api/admin/*; without one those routes answer 404. */
  adminToken?: string
  logger?: CoopLogger
  /** How often this node's stratum hashrate is sampled for the chart. Default 10 s. */
  sampleIntervalMs?: number
  /** Workers with their own /metrics series (the rest are summed as "_other"). Default 50. */
  metricsWorkers?: number
  /** The live event stream's limits (GET /api/events). */
  events?: EventHubOptions
  now?: () => number
}

/** No origin but this node's own: the page can make no external request of any kind. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/**
 * The longest a read of the share-chain may take before the API answers 503: a read that needs a
 * block this node has not downloaded waits on peers, who may be gone (cut off, protocol/COOP.md).
 */
export const API_READ_TIMEOUT_MS = 10_000

async function withinReadBound<T>(read: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpError(503, 'the share-chain read did not complete: this node may be cut off from the cooperative (see /api/status)')), API_READ_TIMEOUT_MS)
  })
  try {
    return await Promise.race([read, bound])
  } finally {
    clearTimeout(timer)
  }
}

export class ApiServer {
  private readonly server: Server
  private readonly router = new Router()
  private readonly ctx: ApiContext
  private readonly metrics: Metrics
  private readonly log: CoopLogger
  private sampler: NodeJS.Timeout | null = null
  private address: AddressInfo | null = null
  private readonly hub: EventHub
  private readonly unsubscribe: () => void

  private constructor(private readonly opts: ApiServerOptions) {
    this.ctx = new ApiContext(opts.node, opts.now)
    this.metrics = new Metrics(this.ctx, opts.metricsWorkers)
    this.log = opts.logger ?? silentLogger
    this.hub = new EventHub(opts.events)
    this.unsubscribe = this.subscribe()
    this.routes()
    this.server = createServer((req, res) => void this.handle(req, res))
    // Keep-alive sockets of a browser tab must not hold close() open.
    this.server.keepAliveTimeout = 5_000
  }

  static async start(opts: ApiServerOptions): Promise<ApiServer> {
    const api = new ApiServer(opts)
    const host = opts.host ?? '127.0.0.1'
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject)
      api.server.listen(opts.port, host, () => {
        api.server.off('error', reject)
        resolve()
      })
    })
    api.address = api.server.address() as AddressInfo
    api.ctx.sample()
    api.sampler = setInterval(() => {
      api.ctx.sample()
      api.hub.publish('status', {})
    }, opts.sampleIntervalMs ?? 10_000)
    api.sampler.unref()
    return api
  }

  /** http://host:port of the listening server (IPv6 hosts in brackets). */
  get url(): string {
    const a = this.address
    if (a === null) throw new Error('the API is not listening')
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${a.port}`
  }

  /** The API's view of the node, for in-process readers (the demo's summary). */
  get context(): ApiContext {
    return this.ctx
  }

  get port(): number {
    return this.address?.port ?? 0
  }

  async close(): Promise<void> {
    if (this.sampler !== null) clearInterval(this.sampler)
    this.sampler = null
    this.unsubscribe()
    this.hub.close()
    this.ctx.close()
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.server.closeAllConnections()
    await closed
  }

  /** Node and accounting events, forwarded to the event stream's clients. */
  private subscribe(): () => void {
    const { node } = this.opts
    const hub = this.hub
    const onTip = (tip: { id: string; height: number }): void => hub.publish('tip', { id: tip.id, height: tip.height })
    const onShare = (e: { id: string; address: string; worker: string; height: number }): void => hub.publish('share', { ...e })
    const onBlock = (e: { hash: string; height: number; accepted: boolean }): void => hub.publish('block', { hash: e.hash, height: e.height, accepted: e.accepted })
    const onOutcome = (_r: unknown, o: { address: string; worker: string; accepted: boolean }): void => hub.workerChanged(o.address, o.worker, o.accepted)
    node.on('tip', onTip)
    node.on('share', onShare)
    node.on('block', onBlock)
    node.workerStats.on('outcome', onOutcome)
    return () => {
      node.off('tip', onTip)
      node.off('share', onShare)
      node.off('block', onBlock)
      node.workerStats.off('outcome', onOutcome)
    }
  }

  private routes(): void {
    const r = this.router
    const get = (pattern: RegExp, params: readonly string[], body: (ctx: RequestContext) => Promise<unknown>): void => {
      r.add('GET', pattern, async (c) => {
        onlyParams(c.url.searchParams, params)
        sendJson(c.res, 200, await withinReadBound(body(c)))
      })
    }
    r.add('GET', /^\/$/, (c) => sendText(c.res, 200, 'text/html; charset=utf-8', DASHBOARD_HTML, { 'content-security-policy': CSP }))
    r.add('GET', /^\/dashboard\.css$/, (c) => sendText(c.res, 200, 'text/css; charset=utf-8', DASHBOARD_CSS))
    r.add('GET', /^\/dashboard\.js$/, (c) => sendText(c.res, 200, 'text/javascript; charset=utf-8', DASHBOARD_JS))
    r.add('GET', /^\/miner\/[^/]+$/, (c) => sendText(c.res, 200, 'text/html; charset=utf-8', MINER_HTML, { 'content-security-policy': CSP }))
    r.add('GET', /^\/miner\.js$/, (c) => sendText(c.res, 200, 'text/javascript; charset=utf-8', MINER_JS))
    r.add('GET', /^\/api\/events$/, (c) => {
      onlyParams(c.url.searchParams, [])
      this.hub.open(c.req, c.res)
    })
    r.add('GET', /^\/favicon\.(?:svg|ico)$/, (c) => sendText(c.res, 200, 'image/svg+xml', LOGO_SVG))
    get(/^\/api\/status$/, [], () => statusBody(this.ctx))
    get(/^\/api\/miners$/, [], () => minersBody(this.ctx))
    get(/^\/api\/miners\/([^/]+)$/, [], (c) => minerBody(this.ctx, c.params[0] as string))
    get(/^\/api\/miners\/([^/]+)\/chart$/, ['hours', 'points'], (c) => {
      const q = c.url.searchParams
      return minerChartBody(this.ctx, c.params[0] as string, intParam(q, 'hours', 24, 1, 24) as number, intParam(q, 'points', 144, 2, 500) as number)
    })
    get(/^\/api\/shares$/, ['limit', 'before'], (c) => {
      const q = c.url.searchParams
      return sharesBody(this.ctx, intParam(q, 'before', null, 1, 1e12), intParam(q, 'limit', 50, 1, 500) as number)
    })
    get(/^\/api\/blocks$/, ['limit', 'before'], (c) => {
      const q = c.url.searchParams
      return blocksBody(this.ctx, intParam(q, 'before', null, 1, 1e12), intParam(q, 'limit', 50, 1, 500) as number)
    })
    get(/^\/api\/payouts\/next$/, ['finder'], (c) => {
      const finders = c.url.searchParams.getAll('finder')
      if (finders.length > 1) throw new HttpError(400, "query parameter 'finder' given more than once")
      return nextPayoutBody(this.ctx, finders[0] ?? null)
    })
    get(/^\/api\/hashrate$/, ['minutes', 'points'], async (c) => {
      const q = c.url.searchParams
      const minutes = intParam(q, 'minutes', 60, 1, 1440) as number
      const points = intParam(q, 'points', 60, 2, 500) as number
      const p = this.opts.node.params
      // Smoothed over ~30 share intervals: enough shares per point for a readable line.
      return hashrateSeries(this.ctx.reader, await this.ctx.chainNow(), p.createdAt, minutes, points, this.ctx.localHashrate.all, 30 * p.shareInterval)
    })
    r.add('GET', /^\/metrics$/, async (c) => sendText(c.res, 200, this.metrics.contentType, await this.metrics.render()))
    r.add('POST', /^\/api\/admin\/([^/]+)$/, (c) => this.admin(c))
  }

  private async admin(c: RequestContext): Promise<void> {
    const token = this.opts.adminToken
    if (token === undefined) throw new HttpError(404, 'admin operations are not enabled on this API')
    if (!tokenMatches(token, c.req.headers.authorization)) throw new HttpError(401, "missing or wrong bearer token (see the data dir's api.json)")
    const op = c.params[0] as string
    if (op === 'backup') return this.backup(c)
    if (!isAdminOp(op)) throw new HttpError(404, `unknown admin operation '${op.slice(0, 40)}' (known: add-writer, add-indexer, remove-indexer)`)
    const body = await readJsonBody(c.req)
    let key: Uint8Array
    try {
      key = parseWriterKey((body as { key?: unknown }).key)
    } catch (err) {
      if (err instanceof WriterKeyError) throw new HttpError(400, `key: ${err.message}`)
      throw err
    }
    try {
      await runAdminOp(this.opts.node.base, op, key)
    } catch (err) {
      throw new HttpError(409, err instanceof Error ? err.message : String(err))
    }
    this.log.info({ op, key: Buffer.from(key).toString('hex').slice(0, 16) }, `admin: ${op} ${Buffer.from(key).toString('hex').slice(0, 16)} appended`)
    sendJson(c.res, 200, { ok: true, op, key: Buffer.from(key).toString('hex') })
  }

  /** The token holder can read the data dir anyway: writing its copy elsewhere gives nothing more. */
  private async backup(c: RequestContext): Promise<void> {
    const body = (await readJsonBody(c.req)) as { out?: unknown; force?: unknown }
    if (typeof body.out !== 'string' || !isAbsolute(body.out)) throw new HttpError(400, 'out: an absolute path for the backup file')
    if (this.opts.node.backup === undefined) throw new HttpError(404, 'this node does not make backups')
    try {
      const r = await this.opts.node.backup(body.out, { force: body.force === true })
      this.log.info({ out: r.out, bytes: r.bytes }, `admin: backup written to ${r.out} (${r.bytes} bytes)`)
      sendJson(c.res, 200, { ok: true, ...r })
    } catch (err) {
      throw new HttpError(409, err instanceof Error ? err.message : String(err))
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://localhost')
    } catch {
      return sendJson(res, 400, { error: 'malformed request URL' })
    }
    try {
      const match = this.router.match(req.method ?? 'GET', url.pathname)
      if (match === null) throw new HttpError(404, `no such route: ${url.pathname.slice(0, 100)}`)
      if ('allowed' in match) {
        res.setHeader('allow', match.allowed.join(', '))
        throw new HttpError(405, `${req.method ?? ''} not allowed here (allowed: ${match.allowed.join(', ')})`)
      }
      await match.handler({ req, res, url, params: match.params })
    } catch (err) {
      if (res.headersSent) {
        res.destroy()
        return
      }
      if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message })
      if (err instanceof URIError) return sendJson(res, 400, { error: 'malformed percent-encoding in the path' })
      this.log.warn({ path: url.pathname, err: err instanceof Error ? err.message : String(err) }, `API ${url.pathname} failed`)
      sendJson(res, 500, { error: 'internal error' })
    }
  }
}
