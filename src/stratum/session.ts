/**
 * One miner connection: the protocol state machine. It talks to the network only through a
 * Transport (send a line, close), so the server owns sockets and this file owns the rules.
 *
 * Jobs go out only once the connection is ready (subscribed and one worker authorized). Every job
 * sent is remembered with the difficulty the miner had at that moment (see submit.ts for how that
 * difficulty is applied). A difficulty change (vardiff, suggest_difficulty, d= of a later worker)
 * applies from the next job: set_difficulty goes out right before that job's notify. Re-sending the
 * current job under a new id to apply it sooner would make miners that restart their extranonce2
 * and nonce on every notify (the CPU driver, ESP-Miner) redo identical work: duplicate shares.
 */
import type { Admission } from './admission.js'
import { negotiateConfigure } from './configure.js'
import type { StratumConfig } from './config.js'
import { parsePasswordDifficulty, parseUsername, type Credentials } from './credentials.js'
import { coinbaseLimitFor, parsePasswordCoinbaseLimit } from './coinbase-limits.js'
import { difficulty, targetToDifficulty, type Difficulty } from './difficulty.js'
import { ErrorCode, stratumError, type StratumError } from './errors.js'
import type { ExtranonceAllocator } from './extranonce.js'
import type { JobBook, JobRecord } from './jobs.js'
import { errorLine, notificationLine, parseLine, resultLine, trueLine, type RpcId } from './rpc.js'
import { SessionDifficulty } from './session-difficulty.js'
import type { ProvenAddresses } from './proven.js'
import { REFUSAL_MESSAGES, type RefusalReason, type Refusals } from './refusals.js'
import { Counters } from './stats.js'
import { evaluateSubmit, type Rejection, type SentJob, type SubmitContext } from './submit.js'
import type { CoinbaseHalves, Payout, RejectReason, SessionStats, Solution, SolutionVerdict } from './types.js'

export interface Transport {
  readonly remoteAddress: string
  /**
   * One line, newline included. `ascii`: the caller knows every character is ASCII (a notify: hex
   * and fixed JSON), so the line can go out as latin1, a plain copy, instead of being measured and
   * encoded as UTF-8 a character at a time (the same bytes; it matters at thousands of ~8 KB
   * notifies per job).
   */
  send(line: string, ascii?: boolean): void
  close(reason: string): void
}

/** What sessions share: owned by the server. */
export interface SessionHost {
  readonly config: StratumConfig
  readonly jobs: JobBook
  readonly extranonces: ExtranonceAllocator
  readonly totals: Counters
  readonly admission: Admission
  readonly proven: ProvenAddresses
  readonly refusals: Refusals
}

interface Worker {
  credentials: Credentials
  counters: Counters
}

const MAX_USER_AGENT = 128

export class Session {
  readonly connectedAt: number
  private extranonce1Hex: string | null = null
  private extranonce1 = new Uint8Array(0)
  private userAgent: string | null = null
  private versionMask = 0
  private readonly workers = new Map<string, Worker>()
  private payout: Payout | null = null
  private readonly diffControl: SessionDifficulty
  /** The difficulty the miner was last told (null before the first job). */
  private told: Difficulty | null = null
  private readonly sentJobs = new Map<string, SentJob>()
  /** The clean-jobs epoch of the last job sent (-1: none). */
  private lastEpoch = -1
  private badLines = 0
  private pendingSubmits = 0
  private readyAt: number | null = null
  private lastShareAt: number | null = null
  private readonly counters: Counters
  private closed = false

  constructor(
    readonly id: number,
    private readonly transport: Transport,
    private readonly host: SessionHost
  ) {
    const c = host.config
    this.connectedAt = c.now()
    this.counters = new Counters(this.connectedAt)
    this.diffControl = new SessionDifficulty(c, this.connectedAt)
  }

  get ready(): boolean {
    return this.extranonce1Hex !== null && this.payout !== null
  }

  get subscribed(): boolean {
    return this.extranonce1Hex !== null
  }

  /** Handles one line; false when the connection is being closed and reading should stop. */
  handleLine(line: string): boolean {
    if (this.closed) return false
    const msg = parseLine(line)
    switch (msg.kind) {
      case 'malformed':
        this.reply(null, stratumError(ErrorCode.OTHER, 'malformed JSON'))
        return this.countBadLine()
      case 'invalid':
        this.reply(msg.id, stratumError(ErrorCode.OTHER, msg.message))
        return this.countBadLine()
      case 'response':
        return true
      case 'request':
        this.dispatch(msg.id, msg.method, msg.params)
        return !this.closed
    }
  }

  /** Periodic housekeeping: handshake and idle timeouts, vardiff's time window. */
  tick(now: number): void {
    if (this.closed) return
    const c = this.host.config
    if (this.readyAt === null) {
      if (now - this.connectedAt >= c.handshakeTimeoutMs) this.drop('handshake-timeout')
      return
    }
    if (this.host.admission.isUnproven(this.id)) {
      // Proven through another session of the same address since the last sweep.
      if (this.proven) this.host.admission.settle(this.id)
      else if (now - this.readyAt >= c.unprovenTimeoutMs) return this.drop('unproven-timeout')
    }
    if (now - (this.lastShareAt ?? this.readyAt) >= c.idleTimeoutMs) return this.drop('idle-timeout')
    this.diffControl.tick(now)
  }

  /** True once the session's payout address has shown work on this node (proven.ts). */
  get proven(): boolean {
    return this.payout !== null && this.host.proven.has(this.payout.address)
  }

  /** When this session last had a solution pass the checks (null: never): the fan-out's order. */
  get lastSolutionAt(): number | null {
    return this.lastShareAt
  }

  /** Sends a job if the connection is ready. */
  sendJob(record: JobRecord, clean: boolean): void {
    if (!this.ready || this.closed || this.payout === null || this.sentJobs.has(record.wireId)) return
    let line: string
    try {
      // A miner's first job, and the first of a new epoch it gets, are always clean: it has nothing
      // worth finishing (a fan-out superseded midway may have skipped the clean job).
      line = record.notifyLine(record.wireId, this.payout, clean || this.sentJobs.size === 0 || record.epoch !== this.lastEpoch)
    } catch (err) {
      this.host.config.logger.error({ err, job: record.job.id, address: this.payout.address }, 'coinbaseFor failed; session keeps its previous job')
      return
    }
    const value = Math.min(this.diffControl.wanted, record.maxDifficulty)
    if (this.told === null || this.told.value !== value) {
      this.told = difficulty(value)
      this.transport.send(notificationLine('mining.set_difficulty', [value]))
    }
    this.sentJobs.set(record.wireId, { record, difficulty: this.told })
    this.lastEpoch = record.epoch
    this.forgetOldJobs()
    this.transport.send(line, true)
  }

  /** `client.show_message`: a line of text the miner's software shows its operator. */
  showMessage(text: string): void {
    if (!this.ready || this.closed) return
    this.transport.send(notificationLine('client.show_message', [text]))
  }

  /** Called once by the server when the socket is gone. */
  detach(): void {
    this.closed = true
    this.host.admission.settle(this.id)
    if (this.extranonce1Hex !== null) this.host.extranonces.release(this.extranonce1Hex)
  }

  close(reason: string): void {
    if (this.closed) return
    this.closed = true
    this.transport.close(reason)
  }

  /** Closes for a limit: counted and logged by reason, the miner told why first. */
  drop(reason: RefusalReason, replyTo?: RpcId): void {
    if (this.closed) return
    this.host.refusals.record(reason, { ip: this.transport.remoteAddress, address: this.payout?.address ?? null })
    const message = REFUSAL_MESSAGES[reason]
    if (replyTo !== undefined) this.reply(replyTo, stratumError(ErrorCode.OTHER, message))
    else this.send(notificationLine('client.show_message', [`hashcoop: ${message}`]))
    this.close(message)
  }

  snapshot(now: number): SessionStats {
    return {
      ...this.counters.snapshot(now),
      id: this.id,
      remoteAddress: this.transport.remoteAddress,
      userAgent: this.userAgent,
      coinbaseLimit: this.payout?.coinbaseLimit ?? null,
      extranonce1: this.extranonce1Hex ?? '',
      address: this.payout?.address ?? null,
      difficulty: this.told?.value ?? this.diffControl.wanted,
      vardiff: this.diffControl.variable,
      versionRollingMask: this.versionMask,
      connectedAt: this.connectedAt,
      workers: [...this.workers.values()].map((w) => ({ ...w.counters.snapshot(now), username: w.credentials.username, worker: w.credentials.worker }))
    }
  }

  private dispatch(id: RpcId, method: string, params: unknown[]): void {
    switch (method) {
      case 'mining.submit':
        return this.submit(id, params)
      case 'mining.subscribe':
        return this.subscribe(id, params)
      case 'mining.authorize':
        return this.authorize(id, params)
      case 'mining.configure':
        return this.configure(id, params)
      case 'mining.suggest_difficulty':
        return this.suggestDifficulty(id, params[0])
      case 'mining.suggest_target':
        return this.suggestTarget(id, params[0])
      case 'mining.extranonce.subscribe':
        // Accepted; extranonce1 never changes during a session, so no set_extranonce ever follows.
        return this.send(trueLine(id))
      case 'mining.get_transactions':
        return this.reply(id, stratumError(ErrorCode.OTHER, 'mining.get_transactions is not supported'))
      default:
        return this.reply(id, stratumError(ErrorCode.OTHER, 'unknown method'))
    }
  }

  private subscribe(id: RpcId, params: unknown[]): void {
    const [agent, resume] = params
    if (this.extranonce1Hex === null) {
      if (typeof agent === 'string') this.userAgent = agent.slice(0, MAX_USER_AGENT)
      try {
        this.extranonce1Hex = this.host.extranonces.allocate(typeof resume === 'string' ? resume : undefined)
      } catch (err) {
        this.reply(id, stratumError(ErrorCode.OTHER, err instanceof Error ? err.message : 'no extranonce1 left'))
        return this.close('extranonce1 space exhausted')
      }
      this.extranonce1 = new Uint8Array(Buffer.from(this.extranonce1Hex, 'hex'))
    }
    const sub = this.extranonce1Hex
    this.send(resultLine(id, [[['mining.set_difficulty', sub], ['mining.notify', sub]], sub, this.host.config.extranonce2Size]))
    this.becomeReadyIfDue()
  }

  private authorize(id: RpcId, params: unknown[]): void {
    const [username, password] = params
    if (typeof username !== 'string' || username.length === 0 || username.length > 256) return this.reply(id, stratumError(ErrorCode.UNAUTHORIZED, 'username must be a Bitcoin address, optionally followed by .worker'))
    const parsed = parseUsername(username, this.host.config.network)
    if (!parsed.ok) return this.reply(id, stratumError(ErrorCode.UNAUTHORIZED, parsed.message))
    const credentials = parsed.value
    if (this.payout !== null && this.payout.address !== credentials.address) {
      return this.reply(id, stratumError(ErrorCode.UNAUTHORIZED, `this connection mines for ${this.payout.address}; use another connection for ${credentials.address}`))
    }
    const fixed = parsePasswordDifficulty(typeof password === 'string' ? password : '')
    if (!fixed.ok) return this.reply(id, stratumError(ErrorCode.UNAUTHORIZED, fixed.message))
    const asked = parsePasswordCoinbaseLimit(typeof password === 'string' ? password : '')
    if (!asked.ok) return this.reply(id, stratumError(ErrorCode.UNAUTHORIZED, asked.message))
    if (this.payout === null && !this.host.proven.has(credentials.address)) {
      const refused = this.host.admission.admitUnproven(this.id, this.transport.remoteAddress, credentials.address)
      if (refused !== null) return this.drop(refused, id)
    }
    if (!this.workers.has(username)) this.workers.set(username, { credentials, counters: new Counters(this.host.config.now()) })
    // The first authorize decides the connection's coinbase, like its address.
    this.payout ??= { address: credentials.address, script: credentials.script, coinbaseLimit: coinbaseLimitFor(this.userAgent, asked.value, this.host.config.coinbaseLimitRules) }
    this.send(trueLine(id))
    if (fixed.value !== null) this.diffControl.fix(fixed.value, this.host.config.now())
    this.becomeReadyIfDue()
  }

  private configure(id: RpcId, params: unknown[]): void {
    const negotiated = negotiateConfigure(params, this.host.config.versionRollingMask)
    if ('error' in negotiated) return this.reply(id, stratumError(ErrorCode.OTHER, negotiated.error))
    if (negotiated.versionMask !== undefined) this.versionMask = negotiated.versionMask
    this.send(resultLine(id, negotiated.result))
    if (negotiated.minimumDifficulty !== undefined) this.diffControl.raiseFloor(negotiated.minimumDifficulty, this.host.config.now())
  }

  private suggestDifficulty(id: RpcId, value: unknown): void {
    const d = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
    if (!Number.isFinite(d) || d <= 0) return this.reply(id, stratumError(ErrorCode.OTHER, 'mining.suggest_difficulty needs a positive number'))
    this.send(trueLine(id))
    this.diffControl.suggest(d, this.host.config.now())
  }

  private suggestTarget(id: RpcId, value: unknown): void {
    const target = typeof value === 'string' && /^[0-9a-fA-F]{1,64}$/.test(value) ? BigInt('0x' + value) : 0n
    if (target <= 0n) return this.reply(id, stratumError(ErrorCode.OTHER, 'mining.suggest_target needs a hex target'))
    this.send(trueLine(id))
    this.diffControl.suggest(targetToDifficulty(target), this.host.config.now())
  }

  private becomeReadyIfDue(): void {
    if (!this.ready || this.readyAt !== null) return
    this.readyAt = this.host.config.now()
    this.diffControl.start(this.readyAt)
    const current = this.host.jobs.current
    if (current !== null) this.sendJob(current, true)
  }

  private submit(id: RpcId, params: unknown[]): void {
    const c = this.host.config
    if (this.pendingSubmits >= c.maxPendingSubmits) return this.rejectSubmit(id, params, { code: ErrorCode.OTHER, reason: 'busy', message: 'too many submissions awaiting a verdict' })
    const now = c.now()
    const outcome = evaluateSubmit(params, this.submitContext(now))
    if (outcome.type === 'rejected') return this.rejectSubmit(id, params, outcome.rejection)
    const { solution, hashDifficulty } = outcome
    const prior = outcome.type === 'block' ? outcome.rejection : null
    if (prior === null) {
      // Vardiff counts what proved hashrate here, whatever the work layer then decides about it.
      this.diffControl.recordShare(solution.difficulty, now)
      this.lastShareAt = now
    }
    this.handOver(id, params[0] as string, solution, hashDifficulty, prior)
  }

  private submitContext(now: number): SubmitContext {
    return {
      subscribed: this.subscribed,
      extranonce1: this.extranonce1,
      extranonce2Size: this.host.config.extranonce2Size,
      versionMask: this.versionMask,
      payout: this.payout,
      worker: (username) => this.workers.get(username)?.credentials,
      sentJob: (wireId) => this.sentJobs.get(wireId),
      difficulty: this.told ?? difficulty(this.diffControl.wanted),
      isStale: (record) => this.host.jobs.isStale(record),
      nowSec: Math.floor(now / 1000),
      ntimeFutureLimitSec: this.host.config.ntimeFutureLimitSec
    }
  }

  /** Gives the solution to the work layer and answers the miner with its verdict. */
  private handOver(id: RpcId, username: string, solution: Solution, hashDifficulty: number, prior: Rejection | null): void {
    const settle = (verdict: SolutionVerdict | void): void => {
      // Anything but an explicit { accepted: false } counts as accepted, as void does.
      const refused = typeof verdict === 'object' && verdict !== null && verdict.accepted === false
      if (!refused) {
        const now = this.host.config.now()
        for (const counters of this.countersFor(username)) counters.accept(solution.kind, solution.difficulty, hashDifficulty, now)
        if (this.host.proven.credit(solution.address, solution.difficulty, now) || this.proven) this.host.admission.settle(this.id)
        this.host.config.onOutcome({ accepted: true, address: solution.address, worker: solution.worker, kind: solution.kind, difficulty: solution.difficulty, hashDifficulty, stale: solution.stale, at: now })
        return this.send(trueLine(id))
      }
      const reason = typeof verdict.reason === 'string' && verdict.reason.length > 0 ? verdict.reason : 'refused by the pool'
      const rejection: Rejection = verdict.duplicate === true ? { code: ErrorCode.DUPLICATE, reason: 'duplicate', message: 'duplicate share' } : { code: ErrorCode.OTHER, reason: 'refused', message: reason }
      this.rejectSubmit(id, [username], prior ?? rejection)
    }
    const fail = (err: unknown): void => {
      this.host.config.logger.error({ err, kind: solution.kind }, 'solution handler failed')
      this.rejectSubmit(id, [username], { code: ErrorCode.OTHER, reason: 'refused', message: 'internal error' })
    }
    if (solution.kind === 'block') this.host.config.logger.info({ job: solution.job.id, address: solution.address, worker: solution.worker, stale: solution.stale, late: prior?.reason }, 'block solution handed over')
    let verdict: ReturnType<StratumConfig['onSolution']>
    try {
      verdict = this.host.config.onSolution(solution)
    } catch (err) {
      return fail(err)
    }
    if (!isPromiseLike(verdict)) return settle(verdict)
    this.pendingSubmits += 1
    Promise.resolve(verdict)
      .finally(() => {
        this.pendingSubmits -= 1
      })
      .then(settle, fail)
      .catch((err: unknown) => this.host.config.logger.error({ err }, 'unexpected error answering a submit'))
  }

  private rejectSubmit(id: RpcId, params: unknown[], rejection: Rejection): void {
    this.countReject(params[0], rejection.reason)
    this.reply(id, rejection)
  }

  private countReject(username: unknown, reason: RejectReason): void {
    for (const counters of this.countersFor(username)) counters.reject(reason)
    const worker = typeof username === 'string' ? this.workers.get(username) : undefined
    if (worker !== undefined) this.host.config.onOutcome({ accepted: false, address: worker.credentials.address, worker: worker.credentials.worker, reason, difficulty: this.told?.value ?? this.diffControl.wanted, at: this.host.config.now() })
  }

  /** The session's, the server's and (when known) the worker's counters. */
  private countersFor(username: unknown): Counters[] {
    const worker = typeof username === 'string' ? this.workers.get(username) : undefined
    return worker === undefined ? [this.counters, this.host.totals] : [this.counters, this.host.totals, worker.counters]
  }

  private forgetOldJobs(): void {
    const limit = this.host.config.maxJobs + 4
    for (const wireId of this.sentJobs.keys()) {
      if (this.sentJobs.size <= limit) break
      this.sentJobs.delete(wireId)
    }
  }

  private countBadLine(): boolean {
    this.badLines += 1
    if (this.badLines < this.host.config.maxBadLines) return true
    this.drop('bad-lines')
    return false
  }

  private reply(id: RpcId, error: StratumError): void {
    this.send(errorLine(id, error))
  }

  private send(line: string): void {
    if (!this.closed) this.transport.send(line)
  }
}

function isPromiseLike<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'
}
