import { readFile } from 'node:fs/promises'
import http from 'node:http'
import { toHex } from './bytes.js'
import { NETWORKS, type NetworkName } from './networks.js'

/**
 * A wallet-less JSON-RPC client for bitcoind (Bitcoin Core), on node:http.
 *
 * Retry policy (decided here, relied on by the template source and the block submitter):
 * - A call is retried, with exponential backoff, only when repeating it cannot do harm:
 *   - any method, when the request provably never ran: the connection was refused, the node
 *     answered -28 (still warming up) or HTTP 503 (its work queue is full);
 *   - idempotent methods (the reads, plus submitblock and sendrawtransaction) also after a reset
 *     connection or a timeout, when the request may or may not have run.
 * - submitblock is idempotent for the same block: Core answers "duplicate" when it already has it,
 *   which this client reports as accepted. Losing a found block to a dropped connection costs far
 *   more than a second submission, so submitblock is retried.
 * - sendrawtransaction is idempotent for the same transaction (Core returns the txid again while the
 *   transaction is in its mempool).
 * - Bad credentials are never retried, except once after re-reading a cookie file that changed
 *   (Core writes a new cookie at every start).
 *
 * The password never appears in an error message or a log line; errors name the endpoint as
 * host:port only.
 */

export type RpcAuth = { user: string; password: string } | { cookieFile: string }

export interface RpcClientOptions {
  /** http://host:port (Bitcoin Core's RPC is plain HTTP). Credentials in the URL are accepted. */
  url: string
  /** user/password, or the path of Core's `.cookie` file. Optional only when the URL carries them. */
  auth?: RpcAuth
  /** Per-call timeout. Default 30 s. */
  timeoutMs?: number
  /** Timeout of a getblocktemplate longpoll call. Default 10 min; the caller simply re-issues it. */
  longpollTimeoutMs?: number
  /** Retries after the first attempt for a retryable failure (see the policy above). Default 4. */
  retries?: number
  /** First backoff delay, doubled after each retry. Default 250 ms. */
  retryDelayMs?: number
  /** Cap of the backoff delay. Default 4 s. */
  retryMaxDelayMs?: number
  /** Largest response body accepted. Default 256 MiB (a verbose mainnet block is tens of MB). */
  maxResponseBytes?: number
  /** The network this node is expected to run; used by checkNetwork() and for signet's GBT rule. */
  network?: NetworkName
}

export interface CallOptions {
  timeoutMs?: number
  /** Overrides the client's retry count for this call (0: a single attempt). */
  retries?: number
  /** Treat the call as idempotent (safe to repeat after a timeout or reset connection). */
  idempotent?: boolean
  signal?: AbortSignal
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Base class of every failure this client reports. */
export class RpcClientError extends Error {
  override name = 'RpcClientError'
  constructor(
    message: string,
    readonly method: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

/** The node could not be reached (refused, reset, unreachable host, DNS). */
export class RpcConnectionError extends RpcClientError {
  override name = 'RpcConnectionError'
  constructor(
    message: string,
    method: string,
    /** True when no connection was made, so the request certainly did not run. */
    readonly refused: boolean,
    options?: { cause?: unknown }
  ) {
    super(message, method, options)
  }
}

/** HTTP 401/403, or an unreadable cookie file. */
export class RpcAuthError extends RpcClientError {
  override name = 'RpcAuthError'
}

/** The node answered with a JSON-RPC error object. */
export class RpcError extends RpcClientError {
  override name = 'RpcError'
  constructor(
    readonly code: number,
    readonly rpcMessage: string,
    method: string,
    endpoint: string
  ) {
    super(`bitcoind ${endpoint} ${method}: RPC error ${code}: ${rpcMessage}`, method)
  }
}

/** RPC error -28: the node is still loading (block index, wallet, verifying blocks). */
export class RpcWarmupError extends RpcError {
  override name = 'RpcWarmupError'
}

/** The node runs another chain than the one configured. */
export class RpcWrongNetworkError extends RpcClientError {
  override name = 'RpcWrongNetworkError'
  constructor(
    readonly expected: string,
    readonly actual: string,
    endpoint: string
  ) {
    super(`bitcoind ${endpoint} is on chain '${actual}', expected '${expected}'`, 'getblockchaininfo')
  }
}

/** The answer was not a JSON-RPC response (garbage, wrong shape, oversize, unexpected HTTP status). */
export class RpcProtocolError extends RpcClientError {
  override name = 'RpcProtocolError'
  constructor(
    message: string,
    method: string,
    readonly httpStatus: number | null = null
  ) {
    super(message, method)
  }
}

export class RpcTimeoutError extends RpcClientError {
  override name = 'RpcTimeoutError'
  constructor(
    method: string,
    endpoint: string,
    readonly timeoutMs: number
  ) {
    super(`bitcoind ${endpoint} ${method}: no answer within ${timeoutMs} ms`, method)
  }
}

/** The call was cancelled by its AbortSignal or by close(). */
export class RpcAbortedError extends RpcClientError {
  override name = 'RpcAbortedError'
}

/** RPC error codes this client treats specially (Bitcoin Core's rpc/protocol.h). */
export const RPC_IN_WARMUP = -28

// ---------------------------------------------------------------------------------------------
// Result types (the fields hashcoop reads; nodes return more)

export interface BlockchainInfo {
  chain: string
  blocks: number
  headers: number
  bestblockhash: string
  [field: string]: unknown
}

export type SubmitBlockResult = { accepted: true; duplicate: boolean } | { accepted: false; reason: string }

export interface BlockHeaderInfo {
  hash: string
  height: number
  version: number
  merkleroot: string
  time: number
  bits: string
  previousblockhash?: string
  [field: string]: unknown
}

export interface BlockInfo extends BlockHeaderInfo {
  /** txids in block order */
  tx: string[]
}

export interface VerboseTransaction {
  txid: string
  hash: string
  vin: Array<Record<string, unknown>>
  /** value in BTC as Core prints it (8 decimals); use btcToSats() for exact satoshis. */
  vout: Array<{ value: number; n: number; scriptPubKey: { hex: string; [field: string]: unknown } }>
  [field: string]: unknown
}

export interface BlockInfoWithTransactions extends BlockHeaderInfo {
  tx: VerboseTransaction[]
}

/** Methods that change nothing, or that are idempotent for the same argument. */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  'getblockchaininfo',
  'getblocktemplate',
  'getbestblockhash',
  'getblock',
  'getblockheader',
  'getblockhash',
  'getblockcount',
  'getnetworkinfo',
  'getmempoolinfo',
  'getrawmempool',
  'getrawtransaction',
  'getmininginfo',
  'getdifficulty',
  'getchaintips',
  'gettxout',
  'getindexinfo',
  'getdeploymentinfo',
  'uptime',
  'submitblock',
  'sendrawtransaction'
])

const HASH_HEX_RE = /^[0-9a-fA-F]{64}$/

/** Exact satoshis of a BTC amount as Core prints it (at most 8 decimals). */
export function btcToSats(btc: number): bigint {
  if (!Number.isFinite(btc)) throw new RangeError(`not a BTC amount: ${btc}`)
  const [whole = '0', fraction = ''] = Math.abs(btc).toFixed(8).split('.')
  const sats = BigInt(whole) * 100_000_000n + BigInt(fraction.padEnd(8, '0'))
  return btc < 0 ? -sats : sats
}

interface Credentials {
  user: string
  password: string
}

interface HttpAnswer {
  status: number
  body: string
}

export class RpcClient {
  /** host:port, for messages (never carries credentials). */
  readonly endpoint: string
  readonly network: NetworkName | null
  private readonly host: string
  private readonly port: number
  private readonly path: string
  private readonly cookieFile: string | null
  private credentials: Credentials | null
  private readonly agent: http.Agent
  private readonly timeoutMs: number
  private readonly longpollTimeoutMs: number
  private readonly retries: number
  private readonly retryDelayMs: number
  private readonly retryMaxDelayMs: number
  private readonly maxResponseBytes: number
  private readonly inFlight = new Set<AbortController>()
  private nextId = 1
  private closed = false

  constructor(options: RpcClientOptions) {
    const url = parseRpcUrl(options.url)
    this.host = url.hostname.replace(/^\[(.*)\]$/, '$1')
    this.port = url.port === '' ? 80 : Number(url.port)
    this.path = url.pathname === '' ? '/' : url.pathname
    this.endpoint = `${url.hostname}:${this.port}`
    this.network = options.network ?? null
    const fromUrl = url.username !== '' ? { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : null
    const auth = options.auth
    if (auth !== undefined && 'cookieFile' in auth) {
      if (typeof auth.cookieFile !== 'string' || auth.cookieFile === '') throw new Error('RPC cookieFile must be a non-empty path')
      this.cookieFile = auth.cookieFile
      this.credentials = null
    } else if (auth !== undefined) {
      if (typeof auth.user !== 'string' || typeof auth.password !== 'string') throw new Error('RPC user and password must be strings')
      this.cookieFile = null
      this.credentials = { user: auth.user, password: auth.password }
    } else if (fromUrl !== null) {
      this.cookieFile = null
      this.credentials = fromUrl
    } else {
      throw new Error(`no RPC credentials for ${this.endpoint}: give user/password (rpcauth) or the node's cookie file`)
    }
    this.timeoutMs = positiveInt(options.timeoutMs ?? 30_000, 'timeoutMs')
    this.longpollTimeoutMs = positiveInt(options.longpollTimeoutMs ?? 600_000, 'longpollTimeoutMs')
    this.retries = nonNegativeInt(options.retries ?? 4, 'retries')
    this.retryDelayMs = nonNegativeInt(options.retryDelayMs ?? 250, 'retryDelayMs')
    this.retryMaxDelayMs = nonNegativeInt(options.retryMaxDelayMs ?? 4_000, 'retryMaxDelayMs')
    this.maxResponseBytes = positiveInt(options.maxResponseBytes ?? 256 * 1024 * 1024, 'maxResponseBytes')
    // Keep-alive: a template source calls every few hundred ms; a fresh TCP connection each time
    // would add latency to the new-block path.
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 8 })
  }

  /** Any RPC method. The result is the node's JSON, unchecked: prefer the typed methods. */
  async call<T = unknown>(method: string, params: readonly unknown[] = [], options: CallOptions = {}): Promise<T> {
    if (typeof method !== 'string' || method === '') throw new TypeError('RPC method must be a non-empty string')
    if (this.closed) throw new RpcAbortedError(`RPC client for ${this.endpoint} is closed`, method)
    const idempotent = options.idempotent ?? IDEMPOTENT_METHODS.has(method)
    const retries = options.retries ?? this.retries
    const timeoutMs = options.timeoutMs ?? this.timeoutMs
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.callOnce(method, params, timeoutMs, options.signal)) as T
      } catch (err) {
        if (attempt >= retries || !isRetryable(err, idempotent) || this.closed) throw err
        await sleep(Math.min(this.retryMaxDelayMs, this.retryDelayMs * 2 ** attempt), options.signal, method)
      }
    }
  }

  async getBlockchainInfo(options?: CallOptions): Promise<BlockchainInfo> {
    const info = await this.call<unknown>('getblockchaininfo', [], options)
    if (!isRecord(info) || typeof info.chain !== 'string' || typeof info.blocks !== 'number' || typeof info.bestblockhash !== 'string') {
      throw new RpcProtocolError(`bitcoind ${this.endpoint} getblockchaininfo: answer lacks chain/blocks/bestblockhash`, 'getblockchaininfo')
    }
    return info as BlockchainInfo
  }

  /** Throws RpcWrongNetworkError unless the node's chain is the expected network's. */
  async checkNetwork(expected: NetworkName | undefined = this.network ?? undefined, options?: CallOptions): Promise<BlockchainInfo> {
    if (expected === undefined) throw new Error('checkNetwork needs the expected network (none configured)')
    const info = await this.getBlockchainInfo(options)
    const want = NETWORKS[expected].coreChain
    if (info.chain !== want) throw new RpcWrongNetworkError(want, info.chain, this.endpoint)
    return info
  }

  /**
   * getblocktemplate with the segwit rule (and signet's on signet). With a longpollid the node
   * answers when the tip or its mempool changes; such a call gets the long timeout.
   * The answer is returned unvalidated: normalizeTemplate() checks it field by field.
   */
  async getBlockTemplate(request: { longpollId?: string; rules?: readonly string[] } = {}, options: CallOptions = {}): Promise<Record<string, unknown>> {
    const rules = request.rules ?? (this.network === 'signet' ? ['segwit', 'signet'] : ['segwit'])
    const params: Record<string, unknown> = { rules }
    let callOptions = options
    if (request.longpollId !== undefined) {
      params.longpollid = request.longpollId
      // A longpoll that ends without an answer is simply asked again by its caller.
      callOptions = { ...options, timeoutMs: options.timeoutMs ?? this.longpollTimeoutMs, retries: options.retries ?? 0 }
    }
    const template = await this.call<unknown>('getblocktemplate', [params], callOptions)
    if (!isRecord(template)) throw new RpcProtocolError(`bitcoind ${this.endpoint} getblocktemplate: answer is not an object`, 'getblocktemplate')
    return template
  }

  /**
   * Submits a serialized block. null from the node means accepted; "duplicate" means the node already
   * has this very block as valid (for example from our own earlier attempt), reported as accepted;
   * any other string is the node's reject reason ("inconclusive" = valid but not on the best chain).
   */
  async submitBlock(block: Uint8Array | string, options?: CallOptions): Promise<SubmitBlockResult> {
    const hex = typeof block === 'string' ? block : toHex(block)
    const answer = await this.call<unknown>('submitblock', [hex], options)
    if (answer === null || answer === undefined) return { accepted: true, duplicate: false }
    if (answer === 'duplicate') return { accepted: true, duplicate: true }
    if (typeof answer === 'string') return { accepted: false, reason: answer }
    throw new RpcProtocolError(`bitcoind ${this.endpoint} submitblock: unexpected answer ${describe(answer)}`, 'submitblock')
  }

  getBlock(hash: string, verbosity: 0, options?: CallOptions): Promise<string>
  getBlock(hash: string, verbosity?: 1, options?: CallOptions): Promise<BlockInfo>
  getBlock(hash: string, verbosity: 2, options?: CallOptions): Promise<BlockInfoWithTransactions>
  async getBlock(hash: string, verbosity: 0 | 1 | 2 = 1, options?: CallOptions): Promise<string | BlockInfo | BlockInfoWithTransactions> {
    checkHashArg(hash, 'getblock')
    const answer = await this.call<unknown>('getblock', [hash, verbosity], options)
    if (verbosity === 0) return this.expectHex(answer, 'getblock')
    if (!isRecord(answer) || typeof answer.hash !== 'string' || !Array.isArray(answer.tx)) {
      throw new RpcProtocolError(`bitcoind ${this.endpoint} getblock: answer lacks hash/tx`, 'getblock')
    }
    return answer as unknown as BlockInfo | BlockInfoWithTransactions
  }

  getBlockHeader(hash: string, verbose: false, options?: CallOptions): Promise<string>
  getBlockHeader(hash: string, verbose?: true, options?: CallOptions): Promise<BlockHeaderInfo>
  async getBlockHeader(hash: string, verbose = true, options?: CallOptions): Promise<string | BlockHeaderInfo> {
    checkHashArg(hash, 'getblockheader')
    const answer = await this.call<unknown>('getblockheader', [hash, verbose], options)
    if (!verbose) return this.expectHex(answer, 'getblockheader')
    if (!isRecord(answer) || typeof answer.hash !== 'string' || typeof answer.height !== 'number') {
      throw new RpcProtocolError(`bitcoind ${this.endpoint} getblockheader: answer lacks hash/height`, 'getblockheader')
    }
    return answer as BlockHeaderInfo
  }

  async getBestBlockHash(options?: CallOptions): Promise<string> {
    return this.expectHash(await this.call<unknown>('getbestblockhash', [], options), 'getbestblockhash')
  }

  async getBlockHash(height: number, options?: CallOptions): Promise<string> {
    if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`block height must be a non-negative integer, got ${height}`)
    return this.expectHash(await this.call<unknown>('getblockhash', [height], options), 'getblockhash')
  }

  async getBlockCount(options?: CallOptions): Promise<number> {
    const count = await this.call<unknown>('getblockcount', [], options)
    if (typeof count !== 'number' || !Number.isSafeInteger(count)) throw new RpcProtocolError(`bitcoind ${this.endpoint} getblockcount: not an integer: ${describe(count)}`, 'getblockcount')
    return count
  }

  /** Broadcasts a raw transaction; returns its txid (display hex). */
  async sendRawTransaction(tx: Uint8Array | string, options?: CallOptions): Promise<string> {
    const hex = typeof tx === 'string' ? tx : toHex(tx)
    return this.expectHash(await this.call<unknown>('sendrawtransaction', [hex], options), 'sendrawtransaction')
  }

  /** Cancels every call in flight (they reject with RpcAbortedError) and frees the sockets. */
  close(): void {
    this.closed = true
    for (const controller of this.inFlight) controller.abort()
    this.inFlight.clear()
    this.agent.destroy()
  }

  // -------------------------------------------------------------------------------------------

  private async callOnce(method: string, params: readonly unknown[], timeoutMs: number, signal: AbortSignal | undefined): Promise<unknown> {
    const id = this.nextId++
    const body = JSON.stringify({ jsonrpc: '1.0', id, method, params })
    let credentials = await this.currentCredentials(method)
    let answer = await this.post(body, credentials, timeoutMs, signal, method)
    if (answer.status === 401 && this.cookieFile !== null) {
      // Core rewrites its cookie at every start: one more try with the file's current content.
      const fresh = await this.readCookie(method)
      if (fresh.password !== credentials.password || fresh.user !== credentials.user) {
        credentials = fresh
        answer = await this.post(body, credentials, timeoutMs, signal, method)
      }
    }
    return this.parseAnswer(answer, id, method)
  }

  private parseAnswer(answer: HttpAnswer, id: number, method: string): unknown {
    const where = `bitcoind ${this.endpoint} ${method}`
    if (answer.status === 401) {
      const source = this.cookieFile !== null ? `the cookie file ${this.cookieFile}` : 'rpcuser/rpcpassword'
      throw new RpcAuthError(`${where}: HTTP 401, credentials rejected (check ${source})`, method)
    }
    if (answer.status === 403) throw new RpcAuthError(`${where}: HTTP 403, forbidden (check rpcallowip and rpcwhitelist)`, method)
    let parsed: unknown
    try {
      parsed = JSON.parse(answer.body)
    } catch {
      // Core answers 503 "Work queue depth exceeded" in plain text when it is overloaded.
      const status = answer.status === 200 ? 'a' : `an HTTP ${answer.status}`
      throw new RpcProtocolError(`${where}: ${status} answer that is not JSON: ${snippet(answer.body)}`, method, answer.status)
    }
    if (!isRecord(parsed) || !('result' in parsed || 'error' in parsed)) {
      throw new RpcProtocolError(`${where}: HTTP ${answer.status} answer is not a JSON-RPC response: ${snippet(answer.body)}`, method, answer.status)
    }
    if (parsed.id !== undefined && parsed.id !== null && parsed.id !== id) {
      throw new RpcProtocolError(`${where}: answer id ${describe(parsed.id)} does not match request id ${id}`, method, answer.status)
    }
    const error = parsed.error
    if (error !== null && error !== undefined) {
      if (!isRecord(error) || typeof error.code !== 'number') throw new RpcProtocolError(`${where}: malformed error object ${snippet(JSON.stringify(error))}`, method, answer.status)
      const message = typeof error.message === 'string' ? error.message : ''
      if (error.code === RPC_IN_WARMUP) throw new RpcWarmupError(error.code, message, method, this.endpoint)
      throw new RpcError(error.code, message, method, this.endpoint)
    }
    if (answer.status !== 200) throw new RpcProtocolError(`${where}: HTTP ${answer.status} without an error object`, method, answer.status)
    return parsed.result
  }

  private post(body: string, credentials: Credentials, timeoutMs: number, signal: AbortSignal | undefined, method: string): Promise<HttpAnswer> {
    const controller = new AbortController()
    this.inFlight.add(controller)
    const onOuterAbort = (): void => controller.abort()
    signal?.addEventListener('abort', onOuterAbort, { once: true })
    if (signal?.aborted === true) controller.abort()
    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false
      const finish = (err: Error | null, answer?: HttpAnswer): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        this.inFlight.delete(controller)
        signal?.removeEventListener('abort', onOuterAbort)
        controller.signal.removeEventListener('abort', onAbort)
        if (err !== null) {
          request.destroy()
          reject(err)
        } else resolve(answer as HttpAnswer)
      }
      const onAbort = (): void => finish(new RpcAbortedError(`bitcoind ${this.endpoint} ${method}: call aborted`, method))
      const timer = setTimeout(() => finish(new RpcTimeoutError(method, this.endpoint, timeoutMs)), timeoutMs)
      const authorization = 'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')
      const request = http.request(
        {
          host: this.host,
          port: this.port,
          path: this.path,
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization }
        },
        (response) => {
          const chunks: Buffer[] = []
          let size = 0
          response.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > this.maxResponseBytes) {
              finish(new RpcProtocolError(`bitcoind ${this.endpoint} ${method}: answer larger than ${this.maxResponseBytes} bytes`, method, response.statusCode ?? null))
            } else chunks.push(chunk)
          })
          response.on('end', () => finish(null, { status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
          response.on('error', (err) => finish(this.socketError(err, method)))
          response.on('aborted', () => finish(new RpcConnectionError(`bitcoind ${this.endpoint} ${method}: connection closed mid-answer`, method, false)))
        }
      )
      request.on('error', (err) => finish(this.socketError(err, method)))
      controller.signal.addEventListener('abort', onAbort, { once: true })
      if (controller.signal.aborted) onAbort()
      else request.end(body)
    })
  }

  private socketError(err: Error, method: string): RpcClientError {
    const code = (err as NodeJS.ErrnoException).code ?? ''
    const where = `bitcoind ${this.endpoint} ${method}`
    switch (code) {
      case 'ECONNREFUSED':
        return new RpcConnectionError(`${where}: connection refused (is bitcoind running with server=1, and is the RPC port right?)`, method, true, { cause: err })
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return new RpcConnectionError(`${where}: host not found (${code})`, method, true, { cause: err })
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
      case 'EADDRNOTAVAIL':
        return new RpcConnectionError(`${where}: host unreachable (${code})`, method, true, { cause: err })
      default:
        return new RpcConnectionError(`${where}: connection failed (${code !== '' ? code : err.message})`, method, false, { cause: err })
    }
  }

  private async currentCredentials(method: string): Promise<Credentials> {
    if (this.credentials !== null) return this.credentials
    return this.readCookie(method)
  }

  private async readCookie(method: string): Promise<Credentials> {
    const path = this.cookieFile as string
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error'
      throw new RpcAuthError(`cannot read the RPC cookie file ${path} (${code}); bitcoind writes it at start: is it running, and is this its datadir?`, method, { cause: err })
    }
    const line = text.trim()
    const colon = line.indexOf(':')
    if (colon <= 0) throw new RpcAuthError(`the RPC cookie file ${path} is malformed (expected user:password)`, method)
    this.credentials = { user: line.slice(0, colon), password: line.slice(colon + 1) }
    return this.credentials
  }

  private expectHex(answer: unknown, method: string): string {
    if (typeof answer !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(answer)) {
      throw new RpcProtocolError(`bitcoind ${this.endpoint} ${method}: expected hex, got ${describe(answer)}`, method)
    }
    return answer
  }

  private expectHash(answer: unknown, method: string): string {
    if (typeof answer !== 'string' || !HASH_HEX_RE.test(answer)) {
      throw new RpcProtocolError(`bitcoind ${this.endpoint} ${method}: expected a 64-hex-digit hash, got ${describe(answer)}`, method)
    }
    return answer
  }
}

function parseRpcUrl(text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new Error(`invalid RPC URL (expected http://host:port): ${JSON.stringify(String(text).replace(/\/\/[^@/]*@/, '//***@').slice(0, 100))}`)
  }
  if (url.protocol !== 'http:') throw new Error(`RPC URL must be http:// (bitcoind's RPC is plain HTTP; tunnel it for remote access), got ${url.protocol}`)
  if (url.hostname === '') throw new Error('RPC URL has no host')
  return url
}

function isRetryable(err: unknown, idempotent: boolean): boolean {
  if (err instanceof RpcWarmupError) return true
  if (err instanceof RpcConnectionError) return err.refused || idempotent
  if (err instanceof RpcProtocolError && err.httpStatus === 503) return true // rejected before running
  if (err instanceof RpcTimeoutError) return idempotent
  return false
}

function sleep(ms: number, signal: AbortSignal | undefined, method: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(new RpcAbortedError(`${method}: call aborted`, method))
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new RpcAbortedError(`${method}: call aborted`, method))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

function checkHashArg(hash: string, method: string): void {
  if (typeof hash !== 'string' || !HASH_HEX_RE.test(hash)) throw new TypeError(`${method}: block hash must be 64 hex digits, got ${describe(hash)}`)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describe(value: unknown): string {
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value) // a bigint or a cycle, from a caller's argument
  }
  return text.length > 80 ? text.slice(0, 77) + '...' : text
}

function snippet(body: string): string {
  if (body.length === 0) return '(empty body)'
  return describe(body)
}

function positiveInt(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`RPC option ${name} must be a positive integer, got ${value}`)
  return value
}

function nonNegativeInt(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`RPC option ${name} must be a non-negative integer, got ${value}`)
  return value
}
