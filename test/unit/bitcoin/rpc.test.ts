/**
 * RpcClient against small fake bitcoind servers on 127.0.0.1: every failure mode gets its own
 * error class and a readable message, and retries happen exactly where the policy allows.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  btcToSats,
  RpcAbortedError,
  RpcAuthError,
  RpcClient,
  RpcConnectionError,
  RpcError,
  RpcProtocolError,
  RpcTimeoutError,
  RpcWarmupError,
  RpcWrongNetworkError,
  type RpcClientOptions
} from '../../../src/bitcoin/rpc.js'

interface Call {
  method: string
  params: unknown[]
  id: unknown
  jsonrpc: unknown
  authorization: string | undefined
}

/** What the fake answers: a JSON-RPC result, a raw HTTP answer, or 'hang' / 'reset'. */
type Reply = { result: unknown } | { error: { code: number; message: string }; status?: number } | { status: number; body: string } | 'hang' | 'reset'

interface FakeNode {
  url: string
  port: number
  calls: Call[]
  close(): Promise<void>
}

const PASSWORD = 's3cret-pa55word'
const cleanups: Array<() => Promise<void> | void> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function fakeNode(reply: (call: Call, index: number) => Reply): Promise<FakeNode> {
  const calls: Call[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { method: string; params: unknown[]; id: unknown; jsonrpc: unknown }
      const call: Call = { ...body, authorization: req.headers.authorization }
      calls.push(call)
      const answer = reply(call, calls.length - 1)
      if (answer === 'hang') return
      if (answer === 'reset') return req.socket.destroy()
      if ('body' in answer) {
        res.writeHead(answer.status, { 'content-type': 'text/html' })
        return res.end(answer.body)
      }
      const status = 'error' in answer ? (answer.status ?? 500) : 200
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ result: 'result' in answer ? answer.result : null, error: 'error' in answer ? answer.error : null, id: body.id }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  cleanups.push(close)
  return { url: `http://127.0.0.1:${port}`, port, calls, close }
}

function client(url: string, options: Partial<RpcClientOptions> = {}): RpcClient {
  const c = new RpcClient({ url, auth: { user: 'alice', password: PASSWORD }, retryDelayMs: 1, retryMaxDelayMs: 5, ...options })
  cleanups.push(() => c.close())
  return c
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error })
  )
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`)
  expect(outcome.error).toBeInstanceOf(Error)
  const err = outcome.error as Error
  expect(err.message).not.toContain(PASSWORD)
  return err
}

async function closedPort(): Promise<number> {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const HASH = 'ab'.repeat(32)

describe('RpcClient requests', () => {
  it('sends a JSON-RPC 1.0 request with basic auth and returns the result', async () => {
    const fake = await fakeNode(() => ({ result: HASH }))
    expect(await client(fake.url).getBestBlockHash()).toBe(HASH)
    const [call] = fake.calls
    expect(call).toMatchObject({ method: 'getbestblockhash', params: [], jsonrpc: '1.0' })
    expect(call?.authorization).toBe('Basic ' + Buffer.from(`alice:${PASSWORD}`).toString('base64'))
  })

  it('asks getblocktemplate with the segwit rule, a longpollid when given, and signet on signet', async () => {
    const fake = await fakeNode(() => ({ result: { height: 1 } }))
    await client(fake.url).getBlockTemplate({ longpollId: 'lp1' })
    await client(fake.url, { network: 'signet' }).getBlockTemplate()
    expect(fake.calls.map((c) => c.params)).toEqual([[{ rules: ['segwit'], longpollid: 'lp1' }], [{ rules: ['segwit', 'signet'] }]])
  })

  it('accepts credentials in the URL without ever printing them', async () => {
    const fake = await fakeNode(() => ({ error: { code: -1, message: 'boom' } }))
    const c = new RpcClient({ url: `http://bob:${PASSWORD}@127.0.0.1:${fake.port}` })
    cleanups.push(() => c.close())
    expect(c.endpoint).toBe(`127.0.0.1:${fake.port}`)
    await failure(c.getBestBlockHash())
    expect(fake.calls[0]?.authorization).toBe('Basic ' + Buffer.from(`bob:${PASSWORD}`).toString('base64'))
  })

  it('refuses bad configuration with a clear message', () => {
    expect(() => new RpcClient({ url: 'https://127.0.0.1:8332', auth: { user: 'a', password: 'b' } })).toThrow(/http:\/\//)
    expect(() => new RpcClient({ url: 'not a url', auth: { user: 'a', password: 'b' } })).toThrow(/invalid RPC URL/)
    expect(() => new RpcClient({ url: 'http://127.0.0.1:8332' })).toThrow(/no RPC credentials/)
    expect(() => new RpcClient({ url: 'http://127.0.0.1:8332', auth: { user: 'a', password: 'b' }, timeoutMs: 0 })).toThrow(/timeoutMs/)
    expect(() => new RpcClient({ url: `http://u:${PASSWORD}@[::1`, auth: { user: 'a', password: 'b' } })).toThrow(/invalid RPC URL/)
    try {
      new RpcClient({ url: `http://u:${PASSWORD}@[::1` })
    } catch (err) {
      expect((err as Error).message).not.toContain(PASSWORD)
    }
  })
})

describe('RpcClient errors', () => {
  it('wrong password: RpcAuthError, not retried', async () => {
    const fake = await fakeNode(() => ({ status: 401, body: '' }))
    const err = await failure(client(fake.url).getBestBlockHash())
    expect(err).toBeInstanceOf(RpcAuthError)
    expect(err.message).toMatch(/401/)
    expect(fake.calls).toHaveLength(1)
  })

  it('forbidden: RpcAuthError that points at rpcallowip', async () => {
    const fake = await fakeNode(() => ({ status: 403, body: '' }))
    const err = await failure(client(fake.url).getBestBlockHash())
    expect(err).toBeInstanceOf(RpcAuthError)
    expect(err.message).toMatch(/rpcallowip/)
  })

  it('closed port: RpcConnectionError after the allowed retries', async () => {
    const port = await closedPort()
    const err = await failure(client(`http://127.0.0.1:${port}`, { retries: 2 }).getBestBlockHash())
    expect(err).toBeInstanceOf(RpcConnectionError)
    expect((err as RpcConnectionError).refused).toBe(true)
    expect(err.message).toMatch(/connection refused/)
    expect(err.message).toContain(`127.0.0.1:${port}`)
  })

  it('garbage answers: RpcProtocolError', async () => {
    const answers: Reply[] = [
      { status: 200, body: 'hello, I am not JSON' },
      { status: 500, body: '<html>Internal Server Error</html>' },
      { status: 200, body: '{"hello": "world"}' },
      { status: 200, body: '[1,2,3]' },
      { status: 200, body: '{"result": 1, "error": null, "id": 999999}' },
      { status: 200, body: '{"result": null, "error": "a string", "id": null}' }
    ]
    const fake = await fakeNode((_, i) => answers[i] as Reply)
    const c = client(fake.url, { retries: 0 })
    for (const expected of [/not JSON/, /HTTP 500.*not JSON/, /not a JSON-RPC response/, /not a JSON-RPC response/, /does not match/, /malformed error/]) {
      const err = await failure(c.call('getblockcount'))
      expect(err).toBeInstanceOf(RpcProtocolError)
      expect(err.message).toMatch(expected)
    }
  })

  it('an answer of the wrong type for a typed method: RpcProtocolError', async () => {
    const fake = await fakeNode(() => ({ result: 'not-a-hash' }))
    const err = await failure(client(fake.url).getBestBlockHash())
    expect(err).toBeInstanceOf(RpcProtocolError)
    expect(err.message).toMatch(/64-hex-digit hash/)
  })

  it('an oversize answer: RpcProtocolError', async () => {
    const fake = await fakeNode(() => ({ result: 'x'.repeat(5000) }))
    const err = await failure(client(fake.url, { maxResponseBytes: 1000 }).call('getblock'))
    expect(err).toBeInstanceOf(RpcProtocolError)
    expect(err.message).toMatch(/larger than 1000 bytes/)
  })

  it('an RPC error object: RpcError with its code, also under Core-style HTTP 500/404', async () => {
    const answers: Reply[] = [
      { error: { code: -5, message: 'Block not found' }, status: 200 },
      { error: { code: -8, message: 'Block height out of range' }, status: 500 },
      { error: { code: -32601, message: 'Method not found' }, status: 404 }
    ]
    const fake = await fakeNode((_, i) => answers[i] as Reply)
    const c = client(fake.url)
    for (const code of [-5, -8, -32601]) {
      const err = await failure(c.call('getblock', [HASH]))
      expect(err).toBeInstanceOf(RpcError)
      expect((err as RpcError).code).toBe(code)
      expect(err.message).toContain(`RPC error ${code}`)
    }
    expect(fake.calls).toHaveLength(3) // an RPC error is an answer: never retried
  })

  it('-28 warming up: retried until the node is ready', async () => {
    const fake = await fakeNode((_, i) => (i < 2 ? { error: { code: -28, message: 'Loading block index…' } } : { result: 42 }))
    expect(await client(fake.url).getBlockCount()).toBe(42)
    expect(fake.calls).toHaveLength(3)
  })

  it('-28 for longer than the retries allow: RpcWarmupError', async () => {
    const fake = await fakeNode(() => ({ error: { code: -28, message: 'Verifying blocks…' } }))
    const err = await failure(client(fake.url, { retries: 2 }).getBlockCount())
    expect(err).toBeInstanceOf(RpcWarmupError)
    expect(err).toBeInstanceOf(RpcError)
    expect((err as RpcWarmupError).code).toBe(-28)
    expect(fake.calls).toHaveLength(3)
  })

  it('a busy node (HTTP 503 work queue) is retried', async () => {
    const fake = await fakeNode((_, i) => (i === 0 ? { status: 503, body: 'Work queue depth exceeded' } : { result: 7 }))
    expect(await client(fake.url).getBlockCount()).toBe(7)
    expect(fake.calls).toHaveLength(2)
  })

  it('timeout: RpcTimeoutError; an idempotent call is retried first', async () => {
    const fake = await fakeNode(() => 'hang')
    const err = await failure(client(fake.url, { timeoutMs: 50, retries: 1 }).getBestBlockHash())
    expect(err).toBeInstanceOf(RpcTimeoutError)
    expect((err as RpcTimeoutError).timeoutMs).toBe(50)
    expect(fake.calls).toHaveLength(2)
  })

  it('a longpoll that times out is left to its caller to re-issue', async () => {
    const fake = await fakeNode(() => 'hang')
    const err = await failure(client(fake.url, { longpollTimeoutMs: 50 }).getBlockTemplate({ longpollId: 'lp' }))
    expect(err).toBeInstanceOf(RpcTimeoutError)
    expect((err as RpcTimeoutError).timeoutMs).toBe(50)
    expect(fake.calls).toHaveLength(1)
  })

  it('a call that is not idempotent is not repeated after a reset connection', async () => {
    const fake = await fakeNode(() => 'reset')
    const err = await failure(client(fake.url).call('stop'))
    expect(err).toBeInstanceOf(RpcConnectionError)
    expect((err as RpcConnectionError).refused).toBe(false)
    expect(fake.calls).toHaveLength(1)
  })

  it('aborting a call (or closing the client) rejects it with RpcAbortedError', async () => {
    const fake = await fakeNode(() => 'hang')
    const c = client(fake.url)
    const controller = new AbortController()
    const aborted = failure(c.getBlockTemplate({ longpollId: 'x' }, { signal: controller.signal }))
    const closed = failure(c.getBlockTemplate({ longpollId: 'y' }))
    await new Promise((resolve) => setTimeout(resolve, 20))
    controller.abort()
    expect(await aborted).toBeInstanceOf(RpcAbortedError)
    c.close()
    expect(await closed).toBeInstanceOf(RpcAbortedError)
    expect(await failure(c.getBestBlockHash())).toBeInstanceOf(RpcAbortedError)
  })

  it('wrong network: RpcWrongNetworkError naming both chains', async () => {
    const fake = await fakeNode(() => ({ result: { chain: 'main', blocks: 900000, headers: 900000, bestblockhash: HASH } }))
    const c = client(fake.url, { network: 'regtest' })
    const err = await failure(c.checkNetwork())
    expect(err).toBeInstanceOf(RpcWrongNetworkError)
    expect(err.message).toMatch(/'main'.*'regtest'/)
    await expect(c.checkNetwork('mainnet')).resolves.toMatchObject({ chain: 'main' })
  })
})

describe('RpcClient cookie authentication', () => {
  async function cookieDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'hashcoop-rpc-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    return dir
  }

  it('reads the cookie, and re-reads it on 401 after bitcoind restarted with a new one', async () => {
    const dir = await cookieDir()
    const cookieFile = join(dir, '.cookie')
    let current = '__cookie__:first'
    await writeFile(cookieFile, current)
    const fake = await fakeNode((call) => (call.authorization === 'Basic ' + Buffer.from(current).toString('base64') ? { result: 1 } : { status: 401, body: '' }))
    const c = new RpcClient({ url: fake.url, auth: { cookieFile } })
    cleanups.push(() => c.close())
    expect(await c.getBlockCount()).toBe(1)

    current = '__cookie__:second'
    await writeFile(cookieFile, current)
    expect(await c.getBlockCount()).toBe(1)
    expect(fake.calls).toHaveLength(3) // 1, then 401 + the retry with the new cookie
  })

  it('a cookie that does not work, a missing or a malformed cookie file: RpcAuthError', async () => {
    const dir = await cookieDir()
    const cookieFile = join(dir, '.cookie')
    await writeFile(cookieFile, '__cookie__:stale')
    const fake = await fakeNode(() => ({ status: 401, body: '' }))
    const c = new RpcClient({ url: fake.url, auth: { cookieFile } })
    cleanups.push(() => c.close())
    const rejected = await failure(c.getBlockCount())
    expect(rejected).toBeInstanceOf(RpcAuthError)
    expect(rejected.message).toContain(cookieFile)
    expect(fake.calls).toHaveLength(1) // the file did not change: no second try

    const missing = new RpcClient({ url: fake.url, auth: { cookieFile: join(dir, 'nope') } })
    cleanups.push(() => missing.close())
    const err = await failure(missing.getBlockCount())
    expect(err).toBeInstanceOf(RpcAuthError)
    expect(err.message).toMatch(/cannot read the RPC cookie file .*nope \(ENOENT\)/)

    await writeFile(join(dir, 'bad'), 'no colon here')
    const malformed = new RpcClient({ url: fake.url, auth: { cookieFile: join(dir, 'bad') } })
    cleanups.push(() => malformed.close())
    expect((await failure(malformed.getBlockCount())).message).toMatch(/malformed/)
  })
})

describe('submitblock', () => {
  it('maps null to accepted, "duplicate" to accepted, anything else to a reject reason', async () => {
    const answers: unknown[] = [null, 'duplicate', 'bad-txnmrklroot', 'inconclusive']
    const fake = await fakeNode((_, i) => ({ result: answers[i] }))
    const c = client(fake.url)
    expect(await c.submitBlock(Uint8Array.of(1, 2))).toEqual({ accepted: true, duplicate: false })
    expect(await c.submitBlock('0102')).toEqual({ accepted: true, duplicate: true })
    expect(await c.submitBlock('0102')).toEqual({ accepted: false, reason: 'bad-txnmrklroot' })
    expect(await c.submitBlock('0102')).toEqual({ accepted: false, reason: 'inconclusive' })
    expect(fake.calls.map((call) => call.params)).toEqual(Array(4).fill(['0102']))
  })

  it('is resubmitted after a connection dropped mid-call (idempotent for the same block)', async () => {
    const fake = await fakeNode((_, i) => (i === 0 ? 'reset' : { result: 'duplicate' }))
    expect(await client(fake.url).submitBlock('00')).toEqual({ accepted: true, duplicate: true })
    expect(fake.calls).toHaveLength(2)
  })

  it('an unexpected answer is a protocol error, not a verdict', async () => {
    const fake = await fakeNode(() => ({ result: { weird: true } }))
    expect(await failure(client(fake.url).submitBlock('00'))).toBeInstanceOf(RpcProtocolError)
  })
})

describe('btcToSats', () => {
  it('converts Core amounts exactly', () => {
    expect(btcToSats(6.25)).toBe(625_000_000n)
    expect(btcToSats(0.00000001)).toBe(1n)
    expect(btcToSats(20999999.9769)).toBe(2_099_999_997_690_000n)
    expect(btcToSats(0.1 + 0.2)).toBe(30_000_000n)
    expect(btcToSats(-0.5)).toBe(-50_000_000n)
    expect(() => btcToSats(Number.NaN)).toThrow(/not a BTC amount/)
  })
})
