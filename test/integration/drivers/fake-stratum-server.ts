import { randomBytes } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'
import { concatBytes, fromHex, toHex } from '../../../src/bitcoin/bytes.js'
import { buildCoinbaseParts, txid } from '../../../src/bitcoin/coinbase.js'
import { encodeHeader, headerHash } from '../../../src/bitcoin/header.js'
import { coinbaseMerkleBranch, foldMerkleBranch } from '../../../src/bitcoin/merkle.js'
import { stratumPrevHash, u32BigEndianHex } from '../../../src/bitcoin/stratum-encoding.js'
import { difficultyToTarget, meetsTarget } from '../../../src/bitcoin/target.js'
import type { NotifyJob } from '../../../src/drivers/stratum-messages.js'

/**
 * A small scripted Stratum V1 server for the client tests, on 127.0.0.1. It answers the handshake
 * by itself and leaves everything else (difficulty, jobs, garbage, drops) to the test. It checks
 * every submit the way a pool must: it rebuilds the coinbase, merkle root and header from the
 * job it sent and the submitted fields, with the bitcoin/ primitives only, and compares the hash
 * with the difficulty that was in force when that job was notified.
 */

/** The client's job fields; clean_jobs is chosen per notify() call here. */
export type FakeJob = Omit<NotifyJob, 'cleanJobs'>

export interface FakeServerOptions {
  /** The server's version-rolling mask; null = it answers mining.configure with an error. */
  versionMask?: number | null
  extranonce1Size?: number
  extranonce2Size?: number
  /** The answer to mining.authorize. */
  authorize?: boolean
  /** Forces an error answer to a submit that passes the checks (n = index among all submits). */
  rejectSubmit?: (n: number) => [number, string] | null
  /** Sent by the server right after it authorizes a connection, as a pool would. */
  firstJob?: { difficulty: number; job: FakeJob }
}

export interface Received {
  id: unknown
  method: string
  params: unknown[]
}

export type Verdict = { ok: true; hash: Uint8Array; version: number } | { ok: false; code: number; reason: string }

export interface ReceivedSubmit {
  connection: FakeConnection
  params: unknown[]
  jobId: string
  verdict: Verdict
}

interface JobAtNotify {
  job: FakeJob
  target: bigint
  extranonce1: Uint8Array
  extranonce2Size: number
  versionMask: number
}

const HEX_U32 = /^[0-9a-f]{8}$/

export class FakeConnection {
  readonly received: Received[] = []
  readonly jobs = new Map<string, JobAtNotify>()
  readonly seen = new Set<string>()
  extranonce1: Uint8Array
  extranonce2Size: number
  sessionId = ''
  resumed = false
  versionMask = 0
  difficulty = 1
  authorized = false
  closed = false
  private buffer = ''

  constructor(
    private readonly server: FakeStratumServer,
    readonly socket: Socket
  ) {
    this.extranonce1 = randomBytes(server.options.extranonce1Size ?? 4)
    this.extranonce2Size = server.options.extranonce2Size ?? 4
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => this.onData(chunk))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      this.closed = true
    })
  }

  methods(): string[] {
    return this.received.map((r) => r.method)
  }

  send(message: object | string): void {
    this.socket.write((typeof message === 'string' ? message : JSON.stringify(message)) + '\n')
  }

  setDifficulty(difficulty: number): void {
    this.difficulty = difficulty
    this.send({ id: null, method: 'mining.set_difficulty', params: [difficulty] })
  }

  /** Like a pool: the new extranonce applies to jobs notified after it. */
  setExtranonce(extranonce1: Uint8Array, extranonce2Size: number): void {
    this.extranonce1 = extranonce1
    this.extranonce2Size = extranonce2Size
    this.send({ id: null, method: 'mining.set_extranonce', params: [toHex(extranonce1), extranonce2Size] })
  }

  notify(job: FakeJob, clean: boolean): void {
    if (clean) this.jobs.clear()
    this.jobs.set(job.jobId, { job, target: difficultyToTarget(this.difficulty), extranonce1: this.extranonce1, extranonce2Size: this.extranonce2Size, versionMask: this.versionMask })
    this.send({
      id: null,
      method: 'mining.notify',
      params: [job.jobId, stratumPrevHash(job.prevHash), toHex(job.coinb1), toHex(job.coinb2), job.merkleBranch.map(toHex), u32BigEndianHex(job.version), u32BigEndianHex(job.bits), u32BigEndianHex(job.ntime), clean]
    })
  }

  drop(): void {
    this.socket.destroy()
  }

  private onData(chunk: string): void {
    this.buffer += chunk
    for (let newline = this.buffer.indexOf('\n'); newline !== -1; newline = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, newline)
      this.buffer = this.buffer.slice(newline + 1)
      const message = JSON.parse(line) as { id: unknown; method?: unknown; params?: unknown }
      if (typeof message.method !== 'string') continue // a reply to one of our calls
      const received = { id: message.id, method: message.method, params: Array.isArray(message.params) ? (message.params as unknown[]) : [] }
      this.received.push(received)
      this.answer(received)
    }
  }

  private reply(id: unknown, result: unknown, error: unknown = null): void {
    this.send({ id, result, error })
  }

  private answer({ id, method, params }: Received): void {
    const options = this.server.options
    switch (method) {
      case 'mining.configure': {
        if (options.versionMask === null) return this.reply(id, null, [20, 'unknown method', null])
        const requested = params[1] as Record<string, string>
        this.versionMask = (options.versionMask ?? 0x1fffe000) & Number.parseInt(requested['version-rolling.mask'] ?? '0', 16)
        return this.reply(id, { 'version-rolling': true, 'version-rolling.mask': u32BigEndianHex(this.versionMask) })
      }
      case 'mining.subscribe': {
        const previous = this.server.sessions.get(String(params[1]))
        if (previous !== undefined) {
          this.extranonce1 = previous
          this.resumed = true
        }
        this.sessionId = `session-${toHex(this.extranonce1)}`
        this.server.sessions.set(this.sessionId, this.extranonce1)
        const subscriptions = [
          ['mining.set_difficulty', this.sessionId],
          ['mining.notify', this.sessionId]
        ]
        return this.reply(id, [subscriptions, toHex(this.extranonce1), this.extranonce2Size])
      }
      case 'mining.authorize':
        this.authorized = options.authorize ?? true
        this.reply(id, this.authorized, this.authorized ? null : [24, 'unauthorized worker', null])
        if (this.authorized && options.firstJob !== undefined) {
          this.setDifficulty(options.firstJob.difficulty)
          this.notify(options.firstJob.job, true)
        }
        return
      case 'mining.extranonce.subscribe':
        return this.reply(id, true)
      case 'mining.submit': {
        const verdict = this.check(params)
        const n = this.server.submits.length
        const forced = verdict.ok ? (options.rejectSubmit?.(n) ?? null) : null
        this.server.submits.push({ connection: this, params, jobId: String(params[1]), verdict })
        if (!verdict.ok) return this.reply(id, null, [verdict.code, verdict.reason, null])
        if (forced !== null) return this.reply(id, null, [forced[0], forced[1], null])
        return this.reply(id, true)
      }
      default:
        return this.reply(id, null, [20, `unknown method ${method}`, null])
    }
  }

  /** A pool's checks, from the submitted strings to the rebuilt header's hash. */
  private check(params: unknown[]): Verdict {
    const [, jobId, extranonce2Hex, ntimeHex, nonceHex, versionHex] = params
    const entry = this.jobs.get(String(jobId))
    if (entry === undefined) return { ok: false, code: 21, reason: 'job not found' }
    if (typeof extranonce2Hex !== 'string' || !/^([0-9a-f]{2})*$/.test(extranonce2Hex) || extranonce2Hex.length !== entry.extranonce2Size * 2) {
      return { ok: false, code: 20, reason: 'bad extranonce2' }
    }
    if (typeof ntimeHex !== 'string' || !HEX_U32.test(ntimeHex) || typeof nonceHex !== 'string' || !HEX_U32.test(nonceHex)) return { ok: false, code: 20, reason: 'bad ntime or nonce' }
    let version = entry.job.version
    if (entry.versionMask !== 0) {
      if (typeof versionHex !== 'string' || !HEX_U32.test(versionHex)) return { ok: false, code: 20, reason: 'bad version bits' }
      const bits = Number.parseInt(versionHex, 16)
      if ((bits & ~entry.versionMask) !== 0) return { ok: false, code: 20, reason: 'version bits outside the mask' }
      version = ((version & ~entry.versionMask) | bits) >>> 0
    } else if (versionHex !== undefined) return { ok: false, code: 20, reason: 'version bits without version rolling' }
    const coinbase = concatBytes(entry.job.coinb1, entry.extranonce1, fromHex(extranonce2Hex), entry.job.coinb2)
    const header = encodeHeader({
      version: version | 0,
      prevHash: entry.job.prevHash,
      merkleRoot: foldMerkleBranch(txid(coinbase), entry.job.merkleBranch),
      time: Number.parseInt(ntimeHex, 16),
      bits: entry.job.bits,
      nonce: Number.parseInt(nonceHex, 16)
    })
    const hash = headerHash(header)
    if (!meetsTarget(hash, entry.target)) return { ok: false, code: 23, reason: 'low difficulty share' }
    const key = toHex(header)
    if (this.seen.has(key)) return { ok: false, code: 22, reason: 'duplicate share' }
    this.seen.add(key)
    return { ok: true, hash, version }
  }
}

export class FakeStratumServer {
  readonly connections: FakeConnection[] = []
  readonly submits: ReceivedSubmit[] = []
  /** Session id -> extranonce1, for subscribe's resume parameter. */
  readonly sessions = new Map<string, Uint8Array>()

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly options: FakeServerOptions
  ) {}

  static async start(options: FakeServerOptions = {}): Promise<FakeStratumServer> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP address')
    const fake = new FakeStratumServer(server, address.port, options)
    server.on('connection', (socket) => fake.connections.push(new FakeConnection(fake, socket)))
    return fake
  }

  get url(): string {
    return `stratum+tcp://127.0.0.1:${this.port}`
  }

  connection(n: number): FakeConnection {
    const c = this.connections[n]
    if (c === undefined) throw new Error(`no connection ${n}`)
    return c
  }

  accepted(jobId?: string): ReceivedSubmit[] {
    return this.submits.filter((s) => s.verdict.ok && (jobId === undefined || s.jobId === jobId))
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

/** A job as a pool would build it: a real coinbase split around a given extranonce size, and a merkle branch over three txids. */
export function makeJob(jobId: string, extranonceSize: number): FakeJob {
  const parts = buildCoinbaseParts({
    height: 840_000,
    extranonceSize,
    tag: new TextEncoder().encode('/fake/'),
    witnessCommitment: null,
    payouts: [{ value: 312_500_000n, script: concatBytes(Uint8Array.of(0x00, 0x14), randomBytes(20)) }],
    commitment: randomBytes(32)
  })
  return {
    jobId,
    prevHash: randomBytes(32),
    coinb1: parts.coinb1,
    coinb2: parts.coinb2,
    merkleBranch: coinbaseMerkleBranch([randomBytes(32), randomBytes(32), randomBytes(32)]),
    version: 0x20000000,
    bits: 0x207fffff,
    ntime: 0x6553f100
  }
}
