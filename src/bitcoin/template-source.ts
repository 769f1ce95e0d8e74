import { EventEmitter } from 'node:events'
import { Subscriber } from 'zeromq'
import { equalBytes, toHex } from './bytes.js'
import { hashToHex } from './hash.js'
import { RpcClientError, RpcTimeoutError, type CallOptions } from './rpc.js'
import { normalizeTemplate, type BlockTemplate, type NormalizeOptions } from './template.js'

/**
 * Keeps a current block template from bitcoind and says when it changes.
 *
 * New blocks are detected by ZMQ `hashblock` when a ZMQ URL is configured (Core:
 * -zmqpubhashblock), else by getblocktemplate longpoll when the node offers a longpollid, else by
 * polling getbestblockhash. Whatever the detector, every fetched template is compared with the
 * current one, so `newBlock` is always right; a periodic refresh picks up new transactions and
 * covers a lost ZMQ message. Fetches are serialized and coalesced, and a template older than the
 * one in hand (a fetch that started before a newer one was applied) is discarded.
 *
 * Liveness does not depend on the notification path: in every mode getbestblockhash is probed
 * every livenessIntervalMs with a livenessTimeoutMs deadline, so a stopped or silent node is
 * called lost within about their sum (1.5 s by default) even when ZMQ or a longpoll is quiet, and
 * a caller whose own RPC call failed (a submitblock) reports it with reportUnreachable().
 * `stats.confirmedAt` is when bitcoind last said the template's parent was its tip: how stale the
 * work in hand may be while bitcoind is lost.
 *
 * Failures never throw: the source emits 'status' {state:'lost'} when bitcoind stops answering and
 * {state:'regained'} when it answers again, retrying with backoff meanwhile. 'error' carries
 * what is worth logging (the first failure of an outage, every unusable template); it is emitted
 * only when someone listens, so an unhandled 'error' never crashes the process.
 */

export type TemplateReason = 'zmq' | 'longpoll' | 'poll' | 'refresh' | 'start'
export type NotifyMode = 'zmq' | 'longpoll' | 'poll'

export interface TemplateUpdate {
  template: BlockTemplate
  /** The previous block changed (always true for the first template). */
  newBlock: boolean
  reason: TemplateReason
  /** performance.now() when the change was detected or the fetch was asked for. */
  detectedAt: number
  /**
   * From detection to the normalized template in hand, in ms. For a longpoll the node answers with
   * the template itself, so this is only the normalization time.
   */
  latencyMs: number
}

export interface SourceStatus {
  state: 'lost' | 'regained'
  error: Error | null
}

export interface TemplateSourceEvents {
  template: [TemplateUpdate]
  status: [SourceStatus]
  error: [Error]
}

/** The part of RpcClient the source needs. */
export interface TemplateRpc {
  getBlockTemplate(request?: { longpollId?: string }, options?: CallOptions): Promise<Record<string, unknown>>
  getBestBlockHash(options?: CallOptions): Promise<string>
}

export interface TemplateSourceOptions {
  rpc: TemplateRpc
  normalize: NormalizeOptions
  /** e.g. tcp://127.0.0.1:28332 (Core's -zmqpubhashblock). */
  zmqUrl?: string
  /** 'auto' (default): zmq if zmqUrl is set, else longpoll if the node offers it, else poll. */
  notify?: 'auto' | NotifyMode
  /** getbestblockhash interval in poll mode. Default 500 ms. */
  pollIntervalMs?: number
  /** Liveness probe (getbestblockhash) interval in zmq and longpoll modes. Default 500 ms. */
  livenessIntervalMs?: number
  /** A probe or poll unanswered this long marks bitcoind lost. Default 1000 ms. */
  livenessTimeoutMs?: number
  /** Template refresh for new transactions. Default 30 s. */
  refreshIntervalMs?: number
  /** Backoff while bitcoind is unreachable: first delay, doubled up to retryMaxMs. */
  retryMinMs?: number
  retryMaxMs?: number
}

export interface TemplateSourceStats {
  mode: NotifyMode | null
  connected: boolean
  newBlocks: number
  /** Detection-to-template time of the last new block, ms (for newblock_to_notify_ms). */
  lastNewBlockLatencyMs: number | null
  /** Date.now() when bitcoind last confirmed the template's parent as its tip (null: never). */
  confirmedAt: number | null
}

interface FetchRequest {
  reason: TemplateReason
  detectedAt: number
}

const BLOCK_DETECTION: ReadonlySet<TemplateReason> = new Set(['zmq', 'longpoll', 'poll'])

export class TemplateSource extends EventEmitter<TemplateSourceEvents> {
  private readonly rpc: TemplateRpc
  private readonly normalizeOptions: NormalizeOptions
  private readonly zmqUrl: string | null
  private readonly notify: 'auto' | NotifyMode
  private readonly pollIntervalMs: number
  private readonly livenessIntervalMs: number
  private readonly livenessTimeoutMs: number
  private readonly refreshIntervalMs: number
  private readonly retryMinMs: number
  private readonly retryMaxMs: number

  private current: BlockTemplate | null = null
  /** Display hex of the best block we know of (the current template's parent, or newer). */
  private knownBest: string | null = null
  private mode: NotifyMode | null = null
  private alive = true
  private closed = false
  private started = false
  private readonly abort = new AbortController()
  private fetching: Promise<void> | null = null
  private pending: FetchRequest | null = null
  /** Orders template snapshots: one older than the template applied is dropped. */
  private snapshotSeq = 0
  private appliedSeq = 0
  private retryDelayMs: number
  private retryTimer: NodeJS.Timeout | null = null
  private refreshTimer: NodeJS.Timeout | null = null
  private subscriber: Subscriber | null = null
  private readonly loops: Promise<void>[] = []
  private firstTemplate: (() => void) | null = null
  private newBlocks = 0
  private lastNewBlockLatencyMs: number | null = null
  private confirmedAt: number | null = null

  constructor(options: TemplateSourceOptions) {
    super()
    this.rpc = options.rpc
    this.normalizeOptions = options.normalize
    this.zmqUrl = options.zmqUrl ?? null
    this.notify = options.notify ?? 'auto'
    if (this.zmqUrl !== null && !/^(tcp|ipc):\/\/\S+$/.test(this.zmqUrl)) throw new Error(`ZMQ URL must look like tcp://host:port, got ${JSON.stringify(this.zmqUrl)}`)
    if (this.notify === 'zmq' && this.zmqUrl === null) throw new Error("notify 'zmq' needs a zmqUrl")
    this.pollIntervalMs = positive(options.pollIntervalMs ?? 500, 'pollIntervalMs')
    this.livenessIntervalMs = positive(options.livenessIntervalMs ?? 500, 'livenessIntervalMs')
    this.livenessTimeoutMs = positive(options.livenessTimeoutMs ?? 1_000, 'livenessTimeoutMs')
    this.refreshIntervalMs = positive(options.refreshIntervalMs ?? 30_000, 'refreshIntervalMs')
    this.retryMinMs = positive(options.retryMinMs ?? 250, 'retryMinMs')
    this.retryMaxMs = positive(options.retryMaxMs ?? 5_000, 'retryMaxMs')
    this.retryDelayMs = this.retryMinMs
  }

  /** The template in hand, or null before the first one. */
  get template(): BlockTemplate | null {
    return this.current
  }

  get stats(): TemplateSourceStats {
    return { mode: this.mode, connected: this.alive, newBlocks: this.newBlocks, lastNewBlockLatencyMs: this.lastNewBlockLatencyMs, confirmedAt: this.confirmedAt }
  }

  /**
   * Another caller's RPC call to this bitcoind failed for want of an answer (a submitblock that
   * was refused or timed out): bitcoind is lost now, whatever the notification path says, and a
   * fetch is retried with backoff until it answers again.
   */
  reportUnreachable(err: Error): void {
    if (this.closed || !this.started) return
    this.reportFailure(err)
    this.scheduleRetry({ reason: 'refresh', detectedAt: performance.now() })
  }

  /**
   * Starts fetching. Resolves once the first template has been emitted (retrying while bitcoind
   * is unreachable), or when the source is closed first. Never rejects.
   */
  start(): Promise<void> {
    if (this.started) throw new Error('TemplateSource already started')
    this.started = true
    if (this.closed) return Promise.resolve()
    const ready = new Promise<void>((resolve) => {
      this.firstTemplate = resolve
    })
    this.refreshTimer = setInterval(() => {
      if (this.alive) this.requestFetch({ reason: 'refresh', detectedAt: performance.now() })
    }, this.refreshIntervalMs)
    this.requestFetch({ reason: 'start', detectedAt: performance.now() })
    return ready
  }

  /** Asks for a fresh template now (e.g. after submitting a block). */
  refresh(): void {
    this.requestFetch({ reason: 'refresh', detectedAt: performance.now() })
  }

  /** Stops every timer, loop and call in flight; no event is emitted afterwards. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.abort.abort()
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    if (this.refreshTimer !== null) clearInterval(this.refreshTimer)
    this.subscriber?.close()
    this.firstTemplate?.()
    await Promise.allSettled([...this.loops, this.fetching ?? Promise.resolve()])
  }

  // -------------------------------------------------------------------------------------------
  // Fetching

  private requestFetch(request: FetchRequest): void {
    if (this.closed) return
    if (this.fetching !== null) {
      // One fetch at a time; the next one starts when it ends. A block detection outranks a refresh.
      if (this.pending === null || (!BLOCK_DETECTION.has(this.pending.reason) && BLOCK_DETECTION.has(request.reason))) this.pending = request
      return
    }
    this.fetching = this.fetchTemplate(request).finally(() => {
      this.fetching = null
      const next = this.pending
      this.pending = null
      if (next !== null) this.requestFetch(next)
    })
  }

  private async fetchTemplate(request: FetchRequest): Promise<void> {
    const seq = ++this.snapshotSeq
    try {
      const raw = await this.rpc.getBlockTemplate({}, { retries: 0, signal: this.abort.signal })
      this.accept(raw, request, seq)
    } catch (err) {
      this.fail(err, request)
    }
  }

  /** Normalizes and applies a template snapshot taken at `seq`. Throws on a bad template. */
  private accept(raw: Record<string, unknown>, request: FetchRequest, seq: number): void {
    if (this.closed) return
    const template = normalizeTemplate(raw, this.normalizeOptions)
    const latencyMs = performance.now() - request.detectedAt
    this.markAlive()
    if (seq < this.appliedSeq) return // a newer snapshot is already applied
    this.appliedSeq = seq
    const newBlock = this.current === null || !equalBytes(this.current.prevHash, template.prevHash)
    this.current = template
    this.knownBest = hashToHex(template.prevHash)
    this.confirmedAt = Date.now()
    if (newBlock && request.reason !== 'start') {
      this.newBlocks++
      this.lastNewBlockLatencyMs = latencyMs
    }
    this.emit('template', { template, newBlock, reason: request.reason, detectedAt: request.detectedAt, latencyMs })
    if (this.firstTemplate !== null) {
      this.firstTemplate()
      this.firstTemplate = null
      this.startDetector(template)
    }
  }

  private fail(err: unknown, request: FetchRequest): void {
    if (this.closed) return
    this.reportFailure(err)
    this.scheduleRetry(request)
  }

  private scheduleRetry(request: FetchRequest): void {
    if (this.retryTimer !== null || this.closed) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.requestFetch(request)
    }, this.retryDelayMs)
    this.retryDelayMs = Math.min(this.retryMaxMs, this.retryDelayMs * 2)
  }

  // -------------------------------------------------------------------------------------------
  // Health

  /** Emits 'lost' on the first failure of an outage; 'error' then, and for any non-RPC failure. */
  private reportFailure(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err))
    const wasAlive = this.alive
    this.alive = false
    if (wasAlive) this.emit('status', { state: 'lost', error })
    if ((wasAlive || !(error instanceof RpcClientError)) && this.listenerCount('error') > 0) this.emit('error', error)
  }

  /** Marks bitcoind reachable; true when this ends an outage. */
  private markAlive(): boolean {
    this.retryDelayMs = this.retryMinMs
    if (this.alive) return false
    this.alive = true
    this.emit('status', { state: 'regained', error: null })
    return true
  }

  // -------------------------------------------------------------------------------------------
  // New-block detectors

  private startDetector(first: BlockTemplate): void {
    const mode: NotifyMode = this.notify !== 'auto' ? this.notify : this.zmqUrl !== null ? 'zmq' : first.longpollId !== null ? 'longpoll' : 'poll'
    this.mode = mode
    if (mode === 'zmq') this.loops.push(this.zmqLoop(), this.livenessLoop())
    else if (mode === 'longpoll') this.loops.push(this.longpollLoop(), this.livenessLoop())
    else this.loops.push(this.pollLoop())
  }

  /** One getbestblockhash with the liveness deadline; null when it failed (then reported). */
  private async probeBest(): Promise<string | null> {
    try {
      const best = await this.rpc.getBestBlockHash({ retries: 0, timeoutMs: this.livenessTimeoutMs, signal: this.abort.signal })
      if (best === this.knownBest && this.current !== null) this.confirmedAt = Date.now()
      return best
    } catch (err) {
      if (!this.closed) {
        this.reportFailure(err)
        this.retryDelayMs = Math.min(this.retryMaxMs, this.retryDelayMs * 2)
      }
      return null
    }
  }

  private async pollLoop(): Promise<void> {
    while (!this.closed) {
      await this.sleep(this.alive ? this.pollIntervalMs : this.retryDelayMs)
      if (this.closed) return
      const best = await this.probeBest()
      if (best === null || this.closed) continue
      const detectedAt = performance.now()
      const regained = this.markAlive()
      if (best !== this.knownBest) {
        this.knownBest = best
        this.requestFetch({ reason: 'poll', detectedAt })
      } else if (regained) this.requestFetch({ reason: 'refresh', detectedAt })
    }
  }

  /**
   * Beside ZMQ or a longpoll, which stay quiet when bitcoind stops: a stopped or silent node is
   * lost within livenessIntervalMs + livenessTimeoutMs. A tip that differs from the one in hand on
   * two probes in a row (the notifier had a whole interval to speak) is fetched: a lost ZMQ
   * message costs an interval, not a refresh period.
   */
  private async livenessLoop(): Promise<void> {
    let differentBefore: string | null = null
    while (!this.closed) {
      await this.sleep(this.alive ? this.livenessIntervalMs : this.retryDelayMs)
      if (this.closed) return
      const best = await this.probeBest()
      if (this.closed) return
      if (best === null) {
        this.scheduleRetry({ reason: 'refresh', detectedAt: performance.now() })
        continue
      }
      // Regaining is left to the template fetch the retry timer makes: it brings the template.
      if (!this.alive) continue
      const different = best !== this.knownBest ? best : null
      if (different !== null && different === differentBefore) this.requestFetch({ reason: 'refresh', detectedAt: performance.now() })
      differentBefore = different
    }
  }

  private async longpollLoop(): Promise<void> {
    let failureDelayMs = this.retryMinMs
    while (!this.closed) {
      const longpollId = this.current?.longpollId ?? null
      if (!this.alive) {
        // The retry timer brings a fresh template (and longpollid) once bitcoind is back.
        await this.sleep(this.retryDelayMs)
        continue
      }
      if (longpollId === null) {
        this.mode = 'poll' // the node stopped offering longpoll
        return this.pollLoop()
      }
      try {
        const raw = await this.rpc.getBlockTemplate({ longpollId }, { retries: 0, signal: this.abort.signal })
        this.accept(raw, { reason: 'longpoll', detectedAt: performance.now() }, ++this.snapshotSeq)
        failureDelayMs = this.retryMinMs
      } catch (err) {
        if (this.closed) return
        if (err instanceof RpcTimeoutError) continue // a quiet chain: ask again
        // A longpoll also ends for reasons that say nothing about bitcoind's health (Core's
        // rpcservertimeout closing the connection, for one): an ordinary fetch decides whether
        // the node is lost, and reports it.
        this.requestFetch({ reason: 'refresh', detectedAt: performance.now() })
        await this.sleep(failureDelayMs)
        failureDelayMs = Math.min(this.retryMaxMs, failureDelayMs * 2)
      }
    }
  }

  private async zmqLoop(): Promise<void> {
    const subscriber = new Subscriber()
    try {
      subscriber.connect(this.zmqUrl as string)
      subscriber.subscribe('hashblock')
    } catch (err) {
      subscriber.close()
      this.reportZmqFailure(err)
      return
    }
    this.subscriber = subscriber
    try {
      for await (const [topic, body] of subscriber) {
        if (this.closed) return
        const detectedAt = performance.now()
        if (topic?.toString() !== 'hashblock' || body?.length !== 32) continue
        const hash = toHex(body) // Core sends the hash in display order
        if (hash === this.knownBest) continue
        this.knownBest = hash
        this.requestFetch({ reason: 'zmq', detectedAt })
      }
    } catch (err) {
      if (!this.closed) this.reportZmqFailure(err)
    }
  }

  /** A broken ZMQ link must not leave us blind: fall back to polling. */
  private reportZmqFailure(err: unknown): void {
    const error = new Error(`ZMQ subscription to ${this.zmqUrl} failed, polling instead: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    if (this.listenerCount('error') > 0) this.emit('error', error)
    if (this.closed) return
    this.mode = 'poll'
    this.loops.push(this.pollLoop())
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.abort.signal.aborted) return resolve()
      const done = (): void => {
        clearTimeout(timer)
        this.abort.signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.abort.signal.addEventListener('abort', done, { once: true })
    })
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`TemplateSource option ${name} must be a positive number, got ${value}`)
  return value
}
