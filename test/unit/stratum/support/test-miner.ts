/**
 * A minimal Stratum V1 miner for tests, over real TCP. It rebuilds headers from mining.notify the
 * way cgminer does (hex of the swapped-word header, then flip every 32-bit word), with its own
 * hashing, so that the server's encoding is checked by an independent path.
 */
import { connect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { sha256 } from '@noble/hashes/sha2.js'

export interface Message {
  id?: unknown
  method?: string
  params?: unknown[]
  result?: unknown
  error?: unknown
}

export interface Notify {
  jobId: string
  prevHash: string
  coinb1: string
  coinb2: string
  branch: string[]
  version: string
  bits: string
  time: string
  clean: boolean
}

export class TestMiner {
  private buffer = ''
  private nextId = 1
  private readonly waiting = new Map<unknown, (m: Message) => void>()
  private readonly notifications: Message[] = []
  private notificationWaiters: (() => void)[] = []
  /** Every line received, in order, for tests about ordering. */
  readonly received: Message[] = []
  readonly closed: Promise<void>
  isClosed = false

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => this.onData(chunk))
    socket.on('error', () => {})
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true
        for (const w of this.notificationWaiters) w()
        resolve()
      })
    )
  }

  /** localAddress: another loopback address (127.0.0.2, ...) to test per-IP and per-prefix limits. */
  static connect(port: number, localAddress?: string): Promise<TestMiner> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ...(localAddress === undefined ? {} : { localAddress }) }, () => resolve(new TestMiner(socket)))
      socket.once('error', reject)
    })
  }

  /** Over TLS, trusting `ca` (the test certificate) for the name localhost. */
  static connectTls(port: number, ca: string): Promise<TestMiner> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => resolve(new TestMiner(socket)))
      socket.once('error', reject)
    })
  }

  sendRaw(text: string): void {
    this.socket.write(text)
  }

  /** Sends a request and resolves with its reply (matched by id). */
  request(method: string, params: unknown[] = [], id: unknown = this.nextId++): Promise<Message> {
    return new Promise((resolve, reject) => {
      this.waiting.set(id, resolve)
      this.closed.then(() => reject(new Error(`connection closed before the reply to ${method}`)))
      this.socket.write(JSON.stringify({ id, method, params }) + '\n')
    })
  }

  /** The next server notification (optionally of one method), waiting if none has arrived. */
  async notification(method?: string, timeoutMs = 10_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const i = this.notifications.findIndex((n) => method === undefined || n.method === method)
      if (i !== -1) return this.notifications.splice(i, 1)[0] as Message
      if (this.isClosed) throw new Error(`closed while waiting for ${method ?? 'a notification'}`)
      if (Date.now() > deadline) throw new Error(`no ${method ?? 'notification'} within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50)
        this.notificationWaiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  async notify(timeoutMs?: number): Promise<Notify> {
    return parseNotify((await this.notification('mining.notify', timeoutMs)).params ?? [])
  }

  pendingNotifications(method?: string): Message[] {
    return this.notifications.filter((n) => method === undefined || n.method === method)
  }

  /** subscribe + authorize; returns extranonce1 and the first job. */
  async handshake(username: string, password = 'x', resume?: string): Promise<{ extranonce1: string; extranonce2Size: number }> {
    const sub = await this.request('mining.subscribe', resume === undefined ? ['test-miner/1.0'] : ['test-miner/1.0', resume])
    const [, extranonce1, extranonce2Size] = sub.result as [unknown, string, number]
    const auth = await this.request('mining.authorize', [username, password])
    if (auth.result !== true) throw new Error(`authorize failed: ${JSON.stringify(auth.error)}`)
    return { extranonce1, extranonce2Size }
  }

  close(): Promise<void> {
    this.socket.end()
    return this.closed
  }

  destroy(): void {
    this.socket.destroy()
  }

  private onData(chunk: string): void {
    this.buffer += chunk
    let nl: number
    while ((nl = this.buffer.indexOf('\n')) !== -1) {
      const line = this.buffer.slice(0, nl)
      this.buffer = this.buffer.slice(nl + 1)
      const msg = JSON.parse(line) as Message
      this.received.push(msg)
      if (msg.method !== undefined) {
        this.notifications.push(msg)
        const waiters = this.notificationWaiters
        this.notificationWaiters = []
        for (const w of waiters) w()
      } else {
        const resolve = this.waiting.get(msg.id ?? null)
        this.waiting.delete(msg.id ?? null)
        resolve?.(msg)
      }
    }
  }
}

export function parseNotify(params: unknown[]): Notify {
  const [jobId, prevHash, coinb1, coinb2, branch, version, bits, time, clean] = params as [string, string, string, string, string[], string, string, string, boolean]
  return { jobId, prevHash, coinb1, coinb2, branch, version, bits, time, clean }
}

export function sha256dBytes(data: Uint8Array): Uint8Array {
  return sha256(sha256(data))
}

function flipWords(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length)
  for (let i = 0; i < bytes.length; i += 4) for (let j = 0; j < 4; j++) out[i + j] = bytes[i + 3 - j] as number
  return out
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

/**
 * cgminer's gen_stratum_work: coinbase = coinb1|en1|en2|coinb2, merkle root by folding the branch,
 * header hex = version | prevhash | flip32(merkle root) | ntime | nbits | nonce, then flip80.
 * ntime / nonce / version are the big-endian hex the miner would also submit.
 */
export function minerHeader(n: Notify, extranonce1: string, extranonce2: string, ntime: string, nonce: string, version = n.version): Uint8Array {
  let root = sha256dBytes(unhex(n.coinb1 + extranonce1 + extranonce2 + n.coinb2))
  for (const b of n.branch) root = sha256dBytes(new Uint8Array([...root, ...unhex(b)]))
  const data = version + n.prevHash + hex(flipWords(root)) + ntime + n.bits + nonce
  return flipWords(unhex(data))
}

/** A header hash read as the little-endian 256-bit number that is compared with targets. */
export function hashValue(hash: Uint8Array): bigint {
  return BigInt('0x' + hex(Uint8Array.from(hash).reverse()))
}

/** Searches nonces upward from `start` for one whose hash satisfies `ok`. */
export function findNonce(n: Notify, extranonce1: string, extranonce2: string, ok: (value: bigint) => boolean, start = 0, version = n.version): { nonce: string; value: bigint; header: Uint8Array } {
  for (let i = start; i < start + 5_000_000; i++) {
    const nonce = (i >>> 0).toString(16).padStart(8, '0')
    const header = minerHeader(n, extranonce1, extranonce2, n.time, nonce, version)
    const value = hashValue(sha256dBytes(header))
    if (ok(value)) return { nonce, value, header }
  }
  throw new Error('no nonce found')
}

export function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (predicate()) return resolve()
      if (Date.now() > deadline) return reject(new Error('condition not met in time'))
      setTimeout(check, 10)
    }
    check()
  })
}
