import type { Socket } from 'node:net'
import { LineSplitter } from './json-lines.js'
import { parseServerLine, type StratumId } from './stratum-messages.js'

/**
 * JSON-RPC over one Stratum V1 TCP connection, from the miner's side: numbered requests whose
 * replies resolve promises, and calls from the server handed to onCall. A line that is not valid
 * Stratum goes to onMalformed and is otherwise ignored.
 */

export interface RpcReply {
  result: unknown
  error: unknown
}

export class RpcClosedError extends Error {
  override name = 'RpcClosedError'
}

export class RpcTimeoutError extends Error {
  override name = 'RpcTimeoutError'
}

export interface RpcHandlers {
  onCall(id: StratumId | null, method: string, params: unknown[]): void
  onMalformed(line: string, reason: string): void
}

interface Pending {
  method: string
  resolve(reply: RpcReply): void
  reject(err: Error): void
  timer: NodeJS.Timeout
}

/** Long enough for a notify with a 16 kB coinbase and a full merkle branch. */
export const MAX_LINE_LENGTH = 256 * 1024

export class LineRpc {
  private nextId = 1
  private readonly pending = new Map<StratumId, Pending>()
  private readonly splitter: LineSplitter
  private closed = false

  constructor(
    private readonly socket: Socket,
    private readonly handlers: RpcHandlers,
    private readonly requestTimeoutMs: number
  ) {
    this.splitter = new LineSplitter(MAX_LINE_LENGTH, () => handlers.onMalformed('', `line longer than ${MAX_LINE_LENGTH} characters`))
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      for (const line of this.splitter.push(chunk)) this.receive(line)
    })
  }

  request(method: string, params: unknown[], timeoutMs = this.requestTimeoutMs): Promise<RpcReply> {
    if (this.closed) return Promise.reject(new RpcClosedError(`${method}: connection closed`))
    const id = this.nextId++
    return new Promise<RpcReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new RpcTimeoutError(`${method}: no answer in ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, { method, resolve, reject, timer })
      this.write({ id, method, params })
    })
  }

  respond(id: StratumId, result: unknown, error: unknown = null): void {
    this.write({ id, result, error })
  }

  /** Fails every request still waiting; later requests fail at once. */
  close(reason: string): void {
    this.closed = true
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer)
      this.pending.delete(id)
      p.reject(new RpcClosedError(`${p.method}: ${reason}`))
    }
  }

  private write(message: object): void {
    if (this.closed || this.socket.destroyed) return
    this.socket.write(JSON.stringify(message) + '\n')
  }

  private receive(line: string): void {
    try {
      const message = parseServerLine(line)
      if (message.kind === 'call') return this.handlers.onCall(message.id, message.method, message.params)
      // Our ids are numbers; a few servers echo them back as strings.
      const id = typeof message.id === 'string' ? Number(message.id) : message.id
      const p = this.pending.get(id)
      if (p === undefined) return this.handlers.onMalformed(line, `reply to an unknown request id ${JSON.stringify(message.id)}`)
      this.pending.delete(id)
      clearTimeout(p.timer)
      p.resolve({ result: message.result, error: message.error })
    } catch (err) {
      // Whatever a server sends, even params that pass parsing but not a driver's checks, costs
      // that one line and never the process.
      this.handlers.onMalformed(line, err instanceof Error ? err.message : String(err))
    }
  }
}
