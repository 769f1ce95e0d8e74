import { EventEmitter } from 'node:events'
import { createConnection, type Socket } from 'node:net'
import { difficultyToTarget } from '../bitcoin/target.js'
import { VERSION } from '../version.js'
import { Backoff } from './backoff.js'
import {
  StratumProtocolError,
  describeError,
  parseConfigureResult,
  parseDifficulty,
  parseNotify,
  parseSetExtranonce,
  parseSubscribeResult,
  parseVersionMask,
  submitParams,
  type NotifyJob,
  type StratumId,
  type Subscription
} from './stratum-messages.js'
import { LineRpc, RpcClosedError, RpcTimeoutError } from './stratum-rpc.js'
import type { Driver, MiningWork, Solution } from './types.js'

/**
 * A Stratum V1 client that behaves like the miners pools see (cgminer, Bitaxe): mining.configure
 * for version rolling first, then subscribe (resuming the last session), authorize and
 * extranonce.subscribe; jobs go down to a Driver, its solutions go up as mining.submit. It
 * reconnects with backoff whenever the connection drops, and logs and skips any line it cannot use.
 */

export interface ClientLogger {
  info(message: string): void
  warn(message: string): void
}

export interface StratumClientOptions {
  host: string
  port: number
  /** ADDRESS or ADDRESS.worker. */
  username: string
  /** 'x', or e.g. 'd=0.5' to ask for a fixed difficulty where the server supports it. */
  password: string
  driver: Driver
  userAgent?: string
  /** Ask for version rolling (BIP310) with mining.configure (default true). */
  versionRolling?: boolean
  /** First reconnect delay (default 1 s); doubles per failed attempt up to maxReconnectDelayMs (default 60 s). */
  reconnectDelayMs?: number
  maxReconnectDelayMs?: number
  /** How long to wait for the answer to a request (default 30 s). */
  requestTimeoutMs?: number
  /** Reconnect when the server has said nothing for this long (default 10 min). */
  idleTimeoutMs?: number
  logger?: ClientLogger
}

export interface SubmitOutcome {
  jobId: string
  difficulty: number
  /** Why the server refused it; absent when accepted. */
  reason?: string
}

export interface StratumClientStats {
  connected: boolean
  authorized: boolean
  /** TCP connections made (the first one included). */
  connections: number
  /** Difficulty of the newest job. */
  difficulty: number
  versionMask: number
  submitted: number
  accepted: number
  rejected: number
  rejectReasons: Record<string, number>
  /** Sum of the difficulties of accepted shares: the work credited, in difficulty-1 units. */
  acceptedDifficulty: number
  /** Solutions not sent: their job was gone (cleaned, or from an earlier connection) or not yet authorized. */
  staleDropped: number
  /** Sent, but no answer came (connection dropped or timed out). */
  lostSubmits: number
  malformedLines: number
}

export interface StratumClientEvents {
  connected: []
  subscribed: [Subscription]
  authorized: []
  unauthorized: [string]
  job: [jobId: string, clean: boolean]
  difficulty: [number]
  accepted: [SubmitOutcome]
  rejected: [SubmitOutcome]
  disconnected: [reason: string]
  malformed: [line: string, reason: string]
  /** client.show_message: what the pool tells the miner's operator. */
  message: [text: string]
}

/** BIP310: the miner offers every bit; the server answers with the bits it allows. */
const VERSION_ROLLING_REQUEST = { 'version-rolling.mask': 'ffffffff', 'version-rolling.min-bit-count': 2 }
/** Servers that predate BIP310 may never answer mining.configure; don't wait long for them. */
const CONFIGURE_TIMEOUT_MS = 5000
/** Jobs kept per connection, so solutions of jobs replaced without clean_jobs can still be sent. */
const MAX_JOBS = 32
const MAX_SERVER_RECONNECT_WAIT_S = 300
const SILENT: ClientLogger = { info: () => undefined, warn: () => undefined }

interface Job {
  work: MiningWork
  difficulty: number
}

/** What one TCP connection knows; a reconnect starts a fresh one. */
class Session {
  readonly jobs = new Map<string, Job>()
  subscription: Subscription | null = null
  /** From mining.set_extranonce; like difficulty, it applies from the next notify. */
  nextExtranonce: Omit<Subscription, 'sessionId'> | null = null
  versionMask = 0
  /** The latest mining.set_difficulty; cgminer's rule: it applies to jobs notified after it. */
  difficulty = 1
  authorized = false
  /** The newest job, held back until authorization succeeds. */
  held: MiningWork | null = null
  driverFed = false

  constructor(
    readonly socket: Socket,
    readonly rpc: LineRpc
  ) {}
}

export class StratumClient extends EventEmitter<StratumClientEvents> {
  private session: Session | null = null
  private running = false
  private reconnectTimer: NodeJS.Timeout | null = null
  /** The session id to resume on the next subscribe. */
  private resumeId: string | null = null
  /** A wait the server asked for with client.reconnect, used instead of the backoff once. */
  private serverWaitMs: number | null = null
  private readonly backoff: Backoff
  private readonly log: ClientLogger
  private readonly userAgent: string
  private readonly counts = {
    connections: 0,
    submitted: 0,
    accepted: 0,
    rejected: 0,
    acceptedDifficulty: 0,
    staleDropped: 0,
    lostSubmits: 0,
    malformedLines: 0,
    lastDifficulty: 1
  }
  private readonly rejectReasons: Record<string, number> = {}
  private readonly onSolution = (solution: Solution): void => this.submit(solution)

  constructor(private readonly options: StratumClientOptions) {
    super()
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) throw new RangeError(`port must be 1-65535, got ${options.port}`)
    if (options.username.length === 0) throw new Error('a stratum username is required')
    this.backoff = new Backoff(options.reconnectDelayMs ?? 1000, options.maxReconnectDelayMs ?? 60_000)
    this.log = options.logger ?? SILENT
    this.userAgent = options.userAgent ?? `hashcoop/${VERSION}`
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.options.driver.on('solution', this.onSolution)
    this.connect()
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    this.options.driver.off('solution', this.onSolution)
    this.options.driver.clearWork()
    const session = this.session
    if (session === null || session.socket.closed) return
    const closed = new Promise<void>((resolve) => session.socket.once('close', () => resolve()))
    session.socket.destroy()
    await closed
  }

  stats(): StratumClientStats {
    const { lastDifficulty, ...counts } = this.counts
    return {
      connected: (this.session?.subscription ?? null) !== null,
      authorized: this.session?.authorized === true,
      difficulty: lastDifficulty,
      versionMask: this.session?.versionMask ?? 0,
      rejectReasons: { ...this.rejectReasons },
      ...counts
    }
  }

  private connect(): void {
    const { host, port } = this.options
    const socket = createConnection({ host, port })
    socket.setNoDelay(true)
    socket.setKeepAlive(true, 30_000)
    socket.setTimeout(this.options.idleTimeoutMs ?? 600_000)
    const rpc = new LineRpc(
      socket,
      { onCall: (id, method, params) => this.onCall(session, id, method, params), onMalformed: (line, reason) => this.onMalformed(line, reason) },
      this.options.requestTimeoutMs ?? 30_000
    )
    const session = new Session(socket, rpc)
    this.session = session
    let reason = 'connection closed by the server'
    socket.on('connect', () => {
      this.counts.connections += 1
      this.emit('connected')
      this.handshake(session).catch((err: unknown) => {
        if (err instanceof RpcClosedError) return // the close handler reconnects
        reason = err instanceof Error ? err.message : String(err)
        this.log.warn(`stratum ${host}:${port}: ${reason}`)
        socket.destroy()
      })
    })
    socket.on('timeout', () => socket.destroy(new Error('the server went quiet')))
    socket.on('error', (err) => {
      reason = err.message
    })
    socket.on('close', () => this.onClose(session, reason))
  }

  private async handshake(session: Session): Promise<void> {
    if (this.options.versionRolling !== false) session.versionMask = await this.configure(session)
    const subscription = await this.subscribe(session)
    session.subscription = subscription
    this.resumeId = subscription.sessionId
    this.emit('subscribed', subscription)
    const auth = await session.rpc.request('mining.authorize', [this.options.username, this.options.password])
    if (auth.result !== true || auth.error !== null) {
      const why = describeError(auth.error)
      this.emit('unauthorized', why)
      throw new Error(`authorization of ${this.options.username} refused: ${why}`)
    }
    session.authorized = true
    this.backoff.reset() // only now: a server that refuses us is retried ever more slowly
    this.emit('authorized')
    // Opt in to mining.set_extranonce; servers without it answer false or an error, both fine.
    session.rpc.request('mining.extranonce.subscribe', []).catch(() => undefined)
    if (session.held !== null) this.feed(session, session.held, false)
    session.held = null
  }

  private async configure(session: Session): Promise<number> {
    try {
      const reply = await session.rpc.request('mining.configure', [['version-rolling'], VERSION_ROLLING_REQUEST], CONFIGURE_TIMEOUT_MS)
      if (reply.error !== null) {
        this.log.info(`no version rolling: mining.configure refused (${describeError(reply.error)})`)
        return 0
      }
      return parseConfigureResult(reply.result)
    } catch (err) {
      if (!(err instanceof StratumProtocolError || err instanceof RpcTimeoutError)) throw err
      this.log.info(`no version rolling: ${err.message}`)
      return 0
    }
  }

  private async subscribe(session: Session): Promise<Subscription> {
    const fresh = [this.userAgent]
    let reply = await session.rpc.request('mining.subscribe', this.resumeId === null ? fresh : [...fresh, this.resumeId])
    if (reply.error !== null && this.resumeId !== null) {
      this.resumeId = null // the server forgot the session: start a new one
      reply = await session.rpc.request('mining.subscribe', fresh)
    }
    if (reply.error !== null) throw new Error(`mining.subscribe refused: ${describeError(reply.error)}`)
    return parseSubscribeResult(reply.result)
  }

  private onCall(session: Session, id: StratumId | null, method: string, params: unknown[]): void {
    if (session !== this.session) return
    switch (method) {
      case 'mining.notify':
        return this.onNotify(session, parseNotify(params))
      case 'mining.set_difficulty':
        session.difficulty = parseDifficulty(params)
        this.emit('difficulty', session.difficulty)
        return
      case 'mining.set_extranonce':
        session.nextExtranonce = parseSetExtranonce(params)
        if (id !== null) session.rpc.respond(id, true)
        return
      case 'mining.set_version_mask':
        session.versionMask = parseVersionMask(params)
        return
      case 'client.reconnect':
        return this.onServerReconnect(session, params)
      case 'client.show_message':
        this.log.info(`message from the server: ${printable(params[0])}`)
        this.emit('message', printable(params[0]))
        return
      case 'client.get_version':
        if (id !== null) session.rpc.respond(id, this.userAgent)
        return
      case 'mining.ping':
        if (id !== null) session.rpc.respond(id, 'pong')
        return
      default:
        if (id !== null) session.rpc.respond(id, null, [20, `unsupported method ${method}`, null])
        this.log.info(`ignored server call ${printable(method)}`)
    }
  }

  private onNotify(session: Session, job: NotifyJob): void {
    if (session.subscription === null) throw new StratumProtocolError('mining.notify before the subscription was answered')
    if (session.nextExtranonce !== null) {
      session.subscription = { ...session.subscription, ...session.nextExtranonce }
      session.nextExtranonce = null
    }
    const work: MiningWork = {
      jobId: job.jobId,
      version: job.version,
      prevHash: job.prevHash,
      ntime: job.ntime,
      bits: job.bits,
      coinb1: job.coinb1,
      extranonce1: session.subscription.extranonce1,
      extranonce2Size: session.subscription.extranonce2Size,
      coinb2: job.coinb2,
      merkleBranch: job.merkleBranch,
      target: difficultyToTarget(session.difficulty),
      versionMask: session.versionMask
    }
    if (job.cleanJobs) session.jobs.clear()
    session.jobs.delete(job.jobId) // re-inserted as the newest
    session.jobs.set(job.jobId, { work, difficulty: session.difficulty })
    for (const oldest of session.jobs.keys()) if (session.jobs.size > MAX_JOBS) session.jobs.delete(oldest)
    this.counts.lastDifficulty = session.difficulty
    this.emit('job', job.jobId, job.cleanJobs)
    if (session.authorized) this.feed(session, work, job.cleanJobs)
    else session.held = work
  }

  /** The first work of a connection is always clean: nothing from before it can be submitted. */
  private feed(session: Session, work: MiningWork, clean: boolean): void {
    this.options.driver.setWork(work, clean || !session.driverFed)
    session.driverFed = true
  }

  private submit(solution: Solution): void {
    const session = this.session
    const job = session?.jobs.get(solution.jobId)
    if (session === null || job === undefined || !session.authorized) {
      this.counts.staleDropped += 1
      return
    }
    this.counts.submitted += 1
    const outcome: SubmitOutcome = { jobId: solution.jobId, difficulty: job.difficulty }
    session.rpc.request('mining.submit', submitParams(this.options.username, solution, job.work.versionMask !== 0)).then(
      (reply) => {
        if (reply.result === true && reply.error === null) return this.accepted(outcome)
        this.rejected({ ...outcome, reason: describeError(reply.error) })
      },
      () => {
        this.counts.lostSubmits += 1
      }
    )
  }

  private accepted(outcome: SubmitOutcome): void {
    this.counts.accepted += 1
    this.counts.acceptedDifficulty += outcome.difficulty
    this.emit('accepted', outcome)
  }

  private rejected(outcome: SubmitOutcome): void {
    const reason = outcome.reason ?? 'rejected'
    this.counts.rejected += 1
    this.rejectReasons[reason] = (this.rejectReasons[reason] ?? 0) + 1
    this.emit('rejected', outcome)
  }

  /** client.reconnect [host, port, wait]: honoured for our own endpoint only; a server may not send us elsewhere. */
  private onServerReconnect(session: Session, params: unknown[]): void {
    const [host, port, wait] = params
    if ((typeof host === 'string' && host !== '' && host !== this.options.host) || (port !== undefined && port !== null && Number(port) !== this.options.port)) {
      this.log.warn(`ignoring the server's redirect to ${printable(host)}:${printable(port)}; reconnecting to ${this.options.host}:${this.options.port}`)
    }
    const seconds = Number(wait ?? 0)
    this.serverWaitMs = Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, MAX_SERVER_RECONNECT_WAIT_S) * 1000 : 0
    session.socket.destroy()
  }

  private onMalformed(line: string, reason: string): void {
    this.counts.malformedLines += 1
    this.log.warn(`ignored a server line (${reason}): ${printable(line.slice(0, 200))}`)
    this.emit('malformed', line, reason)
  }

  private onClose(session: Session, reason: string): void {
    session.rpc.close(reason)
    if (session !== this.session) return
    this.session = null
    this.options.driver.clearWork()
    this.emit('disconnected', reason)
    if (!this.running) return
    const delay = this.serverWaitMs ?? this.backoff.next()
    this.serverWaitMs = null
    this.log.warn(`stratum ${this.options.host}:${this.options.port}: ${reason}; reconnecting in ${delay} ms`)
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      if (this.running) this.connect()
    }, delay)
  }
}

/** A server-chosen value made safe for a log line. */
function printable(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)
  return text.replace(/[^\x20-\x7e]/g, '?')
}
