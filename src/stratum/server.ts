/**
 * The Stratum V1 server: accepts TCP connections (within the connection limits), turns each into a
 * Session, fans jobs out, and runs the periodic sweep (timeouts, vardiff windows).
 *
 *   const server = new StratumServer({ network: 'mainnet', onSolution })
 *   await server.listen()            // 127.0.0.1 and an ephemeral port unless configured
 *   server.setJob(job)               // job.coinb1/coinb2 leave server.extranonceSize bytes between
 *   server.stats(); server.sessionStats()
 *   await server.close()
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { resolveConfig, type StratumConfig } from './config.js'
import { ExtranonceAllocator } from './extranonce.js'
import { JobBook } from './jobs.js'
import { LineSplitter } from './line-splitter.js'
import { Session, type SessionHost, type Transport } from './session.js'
import { Counters } from './stats.js'
import type { ServerStats, SessionStats, StratumJob, StratumServerOptions } from './types.js'

/** How long a closing connection gets to flush its last lines before it is destroyed. */
const CLOSE_GRACE_MS = 2000

export class StratumServer {
  private readonly config: StratumConfig
  private readonly host: SessionHost
  private readonly server: Server
  private readonly sessions = new Map<Socket, Session>()
  private readonly perIp = new Map<string, number>()
  private nextSessionId = 1
  private refusedConnections = 0
  private sweepTimer: NodeJS.Timeout | null = null
  private closing = false

  constructor(options: StratumServerOptions) {
    this.config = resolveConfig(options)
    this.host = {
      config: this.config,
      jobs: new JobBook(this.config.maxJobs, this.config.extranonce1Size + this.config.extranonce2Size),
      extranonces: new ExtranonceAllocator(this.config.extranonce1Size, this.config.extranonce1Start),
      totals: new Counters(this.config.now())
    }
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket))
    this.server.on('error', (err) => this.config.logger.error({ err }, 'stratum listener error'))
  }

  /** Bytes between coinb1 and coinb2: extranonce1 (per connection) + extranonce2 (the miner's). */
  get extranonceSize(): number {
    return this.config.extranonce1Size + this.config.extranonce2Size
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err)
      this.server.once('error', onError)
      this.server.listen(this.config.port, this.config.host, () => {
        this.server.off('error', onError)
        resolve()
      })
    })
    this.sweepTimer = setInterval(() => this.sweep(), this.config.sweepIntervalMs)
    this.sweepTimer.unref()
    const address = this.server.address() as AddressInfo
    this.config.logger.info({ host: address.address, port: address.port }, 'stratum listening')
    return address
  }

  /** Makes `job` current and sends it to every ready connection (clean_jobs as the job says). */
  setJob(job: StratumJob): void {
    const record = this.host.jobs.add(job)
    for (const session of this.sessions.values()) session.sendJob(record, job.cleanJobs)
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
    return {
      ...this.host.totals.snapshot(now),
      connections: this.sessions.size,
      refusedConnections: this.refusedConnections,
      subscribed,
      authorized,
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
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer)
    const listenerClosed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const session of this.sessions.values()) session.close('server shutting down')
    await listenerClosed
  }

  private accept(socket: Socket): void {
    const ip = socket.remoteAddress ?? 'unknown'
    const c = this.config
    if (this.closing || this.sessions.size >= c.maxConnections || (this.perIp.get(ip) ?? 0) >= c.maxConnectionsPerIp) {
      c.logger.debug({ ip }, 'connection refused by limits')
      this.refusedConnections += 1
      socket.destroy()
      return
    }
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1)
    const session = new Session(this.nextSessionId++, this.transport(socket, ip), this.host)
    this.sessions.set(socket, session)
    const splitter = new LineSplitter(c.maxLineBytes)
    socket.on('data', (chunk: Buffer) => {
      try {
        if (!splitter.push(chunk, (line) => session.handleLine(line)) && splitter.overflowed) session.close(`line longer than ${c.maxLineBytes} bytes`)
      } catch (err) {
        // A bug must cost one connection, never the process and every other miner with it.
        c.logger.error({ err, ip, session: session.id }, 'unexpected error handling a line; closing the connection')
        session.close('internal error')
      }
    })
    socket.on('error', (err) => c.logger.debug({ err, ip, session: session.id }, 'socket error'))
    socket.once('close', () => this.forget(socket, ip))
  }

  private transport(socket: Socket, ip: string): Transport {
    const c = this.config
    return {
      remoteAddress: ip,
      send: (line) => {
        if (socket.destroyed || !socket.writable) return
        socket.write(line)
        // A reader that does not keep up is dropped, not buffered for without bound.
        if (socket.writableLength > c.maxSendBufferBytes) {
          c.logger.warn({ ip, queued: socket.writableLength }, 'dropping a connection that does not read')
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
    const left = (this.perIp.get(ip) ?? 1) - 1
    if (left <= 0) this.perIp.delete(ip)
    else this.perIp.set(ip, left)
  }
}
