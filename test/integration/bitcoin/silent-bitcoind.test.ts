/**
 * Issue 16: a bitcoind that stops answering without closing its port (hung, or a dead link) is
 * called lost within about livenessIntervalMs + livenessTimeoutMs (1.5 s by default) on every
 * notification path, and a submitblock that got no answer marks it lost at once. A local HTTP
 * server speaks the two RPC methods and can fall silent: requests stay open, unanswered.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Publisher } from 'zeromq'
import { RpcClient } from '../../../src/bitcoin/rpc.js'
import { TemplateSource, type NotifyMode } from '../../../src/bitcoin/template-source.js'
import { freePort } from '../../harness/regtest.js'
import { waitFor } from '../../harness/autobase-chain.js'

const TIP = 'ab'.repeat(32)
const BOUND_MS = 2_000
const SLACK = 3

function template(): Record<string, unknown> {
  return { version: 0x20000000, rules: ['!segwit'], previousblockhash: TIP, transactions: [], coinbasevalue: 5_000_000_000, bits: '207fffff', curtime: 1_700_000_000, height: 101, longpollid: TIP + '0' }
}

interface SilentBitcoind {
  url: string
  silent: boolean
  close(): Promise<void>
}

async function startSilentBitcoind(): Promise<SilentBitcoind> {
  const held: ServerResponse[] = []
  const state = { silent: false }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const { id, method, params } = JSON.parse(Buffer.concat(chunks).toString()) as { id: number; method: string; params: Array<Record<string, unknown>> }
      const longpoll = method === 'getblocktemplate' && params[0]?.longpollid !== undefined
      if (state.silent || longpoll) return void held.push(res) // a quiet chain holds a longpoll open
      const result = method === 'getbestblockhash' ? TIP : method === 'getblocktemplate' ? template() : method === 'submitblock' ? null : undefined
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, result, error: null }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://u:p@127.0.0.1:${(server.address() as AddressInfo).port}`,
    get silent() {
      return state.silent
    },
    set silent(value: boolean) {
      state.silent = value
    },
    close: async () => {
      for (const r of held) r.destroy()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function watch(mode: NotifyMode): Promise<{ fake: SilentBitcoind; source: TemplateSource; rpc: RpcClient; lostAt: () => number | null }> {
  const fake = await startSilentBitcoind()
  cleanups.push(() => fake.close())
  let zmqUrl: string | undefined
  if (mode === 'zmq') {
    const publisher = new Publisher()
    zmqUrl = `tcp://127.0.0.1:${await freePort()}`
    await publisher.bind(zmqUrl)
    cleanups.push(() => publisher.close())
  }
  const rpc = new RpcClient({ url: fake.url, network: 'regtest' })
  cleanups.push(() => rpc.close())
  const source = new TemplateSource({ rpc, notify: mode, ...(zmqUrl === undefined ? {} : { zmqUrl }), normalize: { reservedWeight: 4000, reservedSigops: 400 } })
  cleanups.push(() => source.close())
  let lostAt: number | null = null
  source.on('status', (s) => {
    if (s.state === 'lost') lostAt ??= performance.now()
  })
  source.on('error', () => {})
  await source.start()
  return { fake, source, rpc, lostAt: () => lostAt }
}

describe('a silent bitcoind', () => {
  for (const mode of ['poll', 'longpoll', 'zmq'] as const) {
    it(`is called lost within 2 s with ${mode} notifications`, async () => {
      const { fake, source, lostAt } = await watch(mode)
      expect(source.stats.mode).toBe(mode)
      await waitFor(async () => source.stats.confirmedAt !== null, 'a confirmed tip')
      fake.silent = true
      const silentAt = performance.now()
      await waitFor(async () => lostAt() !== null, 'bitcoind lost', 20_000)
      const ms = Math.round((lostAt() as number) - silentAt)
      console.log(`silent bitcoind, ${mode}: lost after ${ms} ms`)
      expect(ms).toBeLessThan(BOUND_MS * SLACK)
      expect(source.stats.connected).toBe(false)
      fake.silent = false
      await waitFor(async () => source.stats.connected, 'bitcoind regained', 20_000)
    }, 40_000)
  }

  it('is called lost at once when another caller reports its RPC call unanswered', async () => {
    const { source, lostAt } = await watch('longpoll')
    source.reportUnreachable(new Error('submitblock: connection refused'))
    expect(lostAt()).not.toBeNull()
    expect(source.stats.connected).toBe(false)
    await waitFor(async () => source.stats.connected, 'bitcoind regained by the retried fetch', 20_000)
  }, 30_000)
})
