/**
 * The Stratum V1 server: accepts TCP (and optionally TLS) connections within the connection
 * limits, turns each into a Session, fans jobs out in slices, and runs the periodic sweep
 * (timeouts, vardiff windows).
 *
 *   const server = new StratumServer({ network: 'mainnet', onSolution })
 *   await server.listen()            // 127.0.0.1 and an ephemeral port unless configured
 *   server.setJob(job)               // job.coinb1/coinb2 leave server.extranonceSize bytes between
 *   server.stats(); server.sessionStats()
 *   await server.close()
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import { Admission } from './admission.js'
import { resolveConfig, type StratumConfig } from './config.js'
import { ErrorCode } from './errors.js'
import { ExtranonceAllocator } from './extranonce.js'
import { Fanout } from './fanout.js'
import { JobBook } from './jobs.js'
import { LineSplitter } from './line-splitter.js'
import { ProvenAddresses } from './proven.js'
import { REFUSAL_MESSAGES, Refusals, type RefusalReason } from './refusals.js'
import { errorLine } from './rpc.js'
import { Session, type SessionHost, type Transport } from './session.js'
import { Counters } from './stats.js'
import type { ServerStats, SessionStats, StratumJob, StratumServerOptions } from './types.js'

/** How long a closing connection gets to flush its last lines before it is destroyed. */
const CLOSE_GRACE_MS = 2000
/** A refused connection waits this long for a first request to answer with the reason. */
const REFUSAL_WAIT_MS = 2000
/** Refused connections held open at once to be told why; beyond this they are just closed. */
const MAX_REFUSALS_PENDING = 256

export class StratumServer {
  private readonly config: StratumConfig
  private readonly host: SessionHost
  private readonly server: Server
  private readonly tlsServer: TlsServer | null
  private readonly sessions = new Map<Socket, Session>()
  private nextSessionId = 1
  private refusalsPending = 0
  private fanout: Fanout<Session> | null = null
  private sweepTimer: NodeJS.Timeout | null = null
  private closing = false

  constructor(options: StratumServerOptions) {
    this.config = resolveConfig(options)
    const c = this.config
    this.host = {
      config: c,
      jobs: new JobBook(c.maxJobs, c.extranonce1Size + c.extranonce2Size, c.coinbaseCacheBytes),
      extranonces: new ExtranonceAllocator(c.extranonce1Size, c.extranonce1Start),
      totals: new Counters(c.now()),
      admission: new Admission(c),
      proven: new ProvenAddresses(c.proofDifficulty),
      refusals: new Refusals(c.logger, c.now)
    }
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket))
    this.server.on('error', (err) => c.logger.error({ err }, 'stratum listener error'))
    this.tlsServer = c.tls === null ? null : createTlsServer({ cert: toPem(c.tls.cert), key: toPem(c.tls.key), minVersion: 'TLSv1.2', handshakeTimeout: c.handshakeTimeoutMs, noDelay: true }, (socket) => this.accept(socket))
    this.tlsServer?.on('error', (err) => c.logger.error({ err }, 'stratum TLS listener error'))
    this.tlsServer?.on('tlsClientError', (err, socket) => c.logger.debug({ err, ip: socket.remoteAddress }, 'TLS handshake failed'))
  }

  /** Bytes between coinb1 and coinb2: extranonce1 (per connection) + extranonce2 (the miner's). */
  get extranonceSize(): number {
    return this.config.extranonce1Size + this.config.extranonce2Size
  }

  /** Listens on the plain port (and the TLS one when configured); resolves with the plain address. */
  async listen(): Promise<AddressInfo> {
    const c = this.config
    await listenOn(this.server, c.port, c.host)
    if (this.tlsServer !== null && c.tls !== null) await listenOn(this.tlsServer, c.tls.port ?? 0, c.tls.host ?? c.host)
    this.sweepTimer = setInterval(() => this.sweep(), c.sweepIntervalMs)
    this.sweepTimer.unref()
    const address = this.server.address() as AddressInfo
    const tls = this.tlsAddress()
    c.logger.info({ host: address.address, port: address.port, ...(tls === null ? {} : { tlsHost: tls.address, tlsPort: tls.port }) }, 'stratum listening')
    return address
  }

  /** The TLS listener's address (null without TLS, or before listen). */
  tlsAddress(): AddressInfo | null {
    return (this.tlsServer?.address() as AddressInfo | null | undefined) ?? null
  }

  /**
   * Makes `job` current and sends it to every ready connection, in slices (fanout.ts): sessions
   * with the most recent solutions first, unproven ones last. A fan-out still going for an older
   * job stops; sessions it had not reached get this one (clean, if they missed a clean one).
   */
  setJob(job: StratumJob): void {
    const record = this.host.jobs.add(job)
    this.fanout?.cancel()
    this.fanout = new Fanout(this.fanoutOrder(), (session) => session.sendJob(record, job.cleanJobs), this.config.fanoutSliceMs)
    this.fanout.start()
  }

  /** Tells every ready miner something (client.show_message), e.g. why its shares are refused. */
  showMessage(text: string): void {
    for (const session of this.sessions.values()) session.showMessage(text)
  }

  /** Timeouts and vardiff windows; runs on a timer, callable directly by tests with a fake clock. */
  sweep(): void {
    const now = this.config.now()
    for (const session of this.sessions.values()) {
      try {
        session.tick(now)
      } catch (err) {
        this.config.logger.error({ err, session: session.id }, 'unexpected error in the sweep; closing the connection')
        session.close('internal error')
      }
    }
  }

  stats(): ServerStats {
    const now = this.config.now()
    let subscribed = 0
    let authorized = 0
    for (const s of this.sessions.values()) {
      if (s.subscribed) subscribed += 1
      if (s.ready) authorized += 1
    }
    const current = this.host.jobs.current
    const refusals = { ...this.host.refusals.counts }
    const admission = this.host.admission.snapshot()
    return {
      ...this.host.totals.snapshot(now),
      connections: this.sessions.size,
      refusedConnections: refusals['shutting-down'] + refusals.connections + refusals['connections-per-ip'] + refusals['connections-per-prefix'],
      refusals,
      subscribed,
      authorized,
      unprovenSessions: admission.unprovenSessions,
      unprovenAddresses: admission.unprovenAddresses,
      provenAddresses: this.host.proven.size,
      coinbaseCache: this.host.jobs.cacheStats,
      lastFanout: this.fanout === null ? null : { ...this.fanout.stats },
      jobs: this.host.jobs.size,
      currentJobId: current?.job.id ?? null
    }
  }

  sessionStats(): SessionStats[] {
    const now = this.config.now()
    return [...this.sessions.values()].map((s) => s.snapshot(now))
  }

  /** Stops accepting, closes every connection (flushing what is queued) and resolves when all are gone. */
  async close(): Promise<void> {
    this.closing = true
    this.fanout?.cancel()
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer)
    const closed = [this.server, ...(this.tlsServer === null ? [] : [this.tlsServer])].map((s) => new Promise<void>((resolve) => s.close(() => resolve())))
    for (const session of this.sessions.values()) session.close('server shutting down')
    await Promise.all(closed)
  }

  /** Proven sessions by their last solution, newest first; then the unproven, oldest first. */
  private fanoutOrder(): Session[] {
    const proven: Session[] = []
    const unproven: Session[] = []
    for (const s of this.sessions.values()) {
      if (!s.ready) continue
      if (s.proven) proven.push(s)
      else unproven.push(s)
    }
    proven.sort((a, b) => (b.lastSolutionAt ?? 0) - (a.lastSolutionAt ?? 0))
    return proven.concat(unproven)
  }

  private accept(socket: Socket): void {
    const ip = socket.remoteAddress ?? 'unknown'
    const c = this.config
    const refused = this.closing ? 'shutting-down' : this.host.admission.connect(ip)
    if (refused !== null) return this.refuse(socket, ip, refused)
    const session = new Session(this.nextSessionId++, this.transport(socket, ip), this.host)
    this.sessions.set(socket, session)
    const splitter = new LineSplitter(c.maxLineBytes)
    socket.on('data', (chunk: Buffer) => {
      // The answers to one chunk's lines (a miner pipelines its submits) leave in one write.
      socket.cork()
      try {
        if (!splitter.push(chunk, (line) => session.handleLine(line)) && splitter.overflowed) session.drop('line-too-long')
      } catch (err) {
        // A bug must cost one connection, never the process and every other miner with it.
        c.logger.error({ err, ip, session: session.id }, 'unexpected error handling a line; closing the connection')
        session.close('internal error')
      } finally {
        socket.uncork()
      }
    })
    socket.on('error', (err) => c.logger.debug({ err, ip, session: session.id }, 'socket error'))
    socket.once('close', () => this.forget(socket, ip))
  }

  /**
   * Counts and logs a refused connection. Stratum has no greeting, so the reason goes back as the
   * error of the miner's first request (its subscribe) if it sends one soon; then the socket closes.
   */
  private refuse(socket: Socket, ip: string, reason: RefusalReason): void {
    this.host.refusals.record(reason, { ip })
    if (this.refusalsPending >= MAX_REFUSALS_PENDING) {
      socket.destroy()
      return
    }
    this.refusalsPending += 1
    const timer = setTimeout(() => socket.destroy(), REFUSAL_WAIT_MS)
    socket.once('close', () => {
      clearTimeout(timer)
      this.refusalsPending -= 1
    })
    socket.on('error', () => {})
    let buffered = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      buffered += chunk
      const newline = buffered.indexOf('\n')
      if (newline < 0 && buffered.length < 4096) return
      socket.removeAllListeners('data')
      socket.end(errorLine(requestId(buffered.slice(0, Math.max(0, newline))), { code: ErrorCode.OTHER, message: REFUSAL_MESSAGES[reason] }))
    })
  }

  private transport(socket: Socket, ip: string): Transport {
    const c = this.config
    return {
      remoteAddress: ip,
      send: (line, ascii = false) => {
        if (socket.destroyed || !socket.writable) return
        socket.write(line, ascii ? 'latin1' : 'utf8')
        // A reader that does not keep up is dropped, not buffered for without bound.
        if (socket.writableLength > c.maxSendBufferBytes) {
          this.host.refusals.record('slow-reader', { ip })
          socket.destroy()
        }
      },
      close: (reason) => {
        c.logger.debug({ ip, reason }, 'closing connection')
        socket.end()
        setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref()
      }
    }
  }

  private forget(socket: Socket, ip: string): void {
    const session = this.sessions.get(socket)
    if (session === undefined) return
    session.detach()
    this.sessions.delete(socket)
    this.host.admission.release(ip)
  }
}

function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

/** The id of a JSON-RPC request line, or null when it has none that can be echoed. */
function requestId(line: string): string | number | null {
  try {
    const msg = JSON.parse(line) as { id?: unknown }
    return typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null
  } catch {
    return null
  }
}

function toPem(v: string | Uint8Array): string | Buffer {
  return typeof v === 'string' ? v : Buffer.from(v)
}

