/**
 * TemplateSource against a real regtest node (bcoin, in process; one node for the file), and its
 * ZMQ subscriber against a zeromq Publisher bound on loopback (bcoin has no ZMQ).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Publisher } from 'zeromq'
import { hashToHex } from '../../../src/bitcoin/hash.js'
import { RpcConnectionError } from '../../../src/bitcoin/rpc.js'
import { TemplateSource, type SourceStatus, type TemplateSourceOptions, type TemplateUpdate } from '../../../src/bitcoin/template-source.js'
import { startRegtest, type RegtestNode } from '../../harness/regtest.js'
import { TestKey } from '../../harness/wallet.js'

const miner = new TestKey('template source miner')
let node: RegtestNode
let sources: TemplateSource[] = []

beforeAll(async () => {
  node = await startRegtest()
})

afterEach(async () => {
  await Promise.all(sources.map((s) => s.close()))
  sources = []
})

afterAll(async () => {
  await node?.close()
})

function source(options: Partial<TemplateSourceOptions>): TemplateSource {
  const s = new TemplateSource({ rpc: node.rpc, normalize: { reservedWeight: 4000, reservedSigops: 400 }, refreshIntervalMs: 60_000, ...options })
  sources.push(s)
  return s
}

/** The first event matching `accept`; rejects with a readable message if it never comes. */
function next<E extends 'template' | 'status'>(
  s: TemplateSource,
  event: E,
  accept: (value: E extends 'template' ? TemplateUpdate : SourceStatus) => boolean = () => true,
  waitMs = 15_000
): Promise<E extends 'template' ? TemplateUpdate : SourceStatus> {
  type Value = E extends 'template' ? TemplateUpdate : SourceStatus
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.off(event, listener as never)
      reject(new Error(`no matching '${event}' event`))
    }, waitMs)
    const listener = (value: Value): void => {
      if (!accept(value)) return
      clearTimeout(timer)
      s.off(event, listener as never)
      resolve(value)
    }
    s.on(event, listener as never)
  })
}

describe('TemplateSource on a regtest node', () => {
  it('polling getbestblockhash sees a block mined on the node', async () => {
    const s = source({ notify: 'poll', pollIntervalMs: 20 })
    const first = next(s, 'template')
    await s.start()
    expect(await first).toMatchObject({ reason: 'start', newBlock: true })
    expect(s.stats.mode).toBe('poll')
    const height = s.template?.height as number

    const update = next(s, 'template', (u) => u.newBlock)
    const [mined] = await node.mineToScript(1, miner.p2wpkh)
    const u = await update
    expect(u.reason).toBe('poll')
    expect(hashToHex(u.template.prevHash)).toBe(mined)
    expect(u.template.height).toBe(height + 1)
    expect(u.latencyMs).toBeGreaterThanOrEqual(0)
    expect(s.stats).toMatchObject({ newBlocks: 1, connected: true })
    expect(s.stats.lastNewBlockLatencyMs).toBe(u.latencyMs)
  })

  it('uses longpoll when the node offers it, and hears of a new block through it', async () => {
    const s = source({})
    await s.start()
    expect(s.stats.mode).toBe('longpoll')
    const update = next(s, 'template', (u) => u.newBlock)
    const [mined] = await node.mineToScript(1, miner.p2wpkh)
    const u = await update
    expect(u.reason).toBe('longpoll')
    expect(hashToHex(u.template.prevHash)).toBe(mined)
  })

  it('refreshes periodically without calling it a new block', async () => {
    const s = source({ notify: 'poll', pollIntervalMs: 60_000, refreshIntervalMs: 30 })
    await s.start()
    const u = await next(s, 'template', (x) => x.reason === 'refresh')
    expect(u.newBlock).toBe(false)
    expect(u.template.prevHash).toEqual(s.template?.prevHash)
  })

  it.each(['poll', 'longpoll'] as const)('reports bitcoind lost and regained across a restart (%s), without throwing', async (notify) => {
    await node.mineToScript(1, miner.p2wpkh) // so that the restarted (empty) chain differs
    const s = source({ notify, pollIntervalMs: 20, retryMinMs: 20, retryMaxMs: 100 })
    await s.start()
    const before = s.template?.prevHash
    expect(s.template?.height).toBeGreaterThan(1)

    const lost = next(s, 'status', (x) => x.state === 'lost')
    await node.stop()
    const status = await lost
    expect(status.error).toBeInstanceOf(RpcConnectionError)
    expect(s.stats.connected).toBe(false)

    const regained = next(s, 'status', (x) => x.state === 'regained')
    // A fresh in-memory node: its chain is back at genesis, so the next template is a new block.
    const fresh = next(s, 'template', (u) => u.newBlock)
    await node.restart()
    await regained
    const u = await fresh
    expect(u.template.height).toBe(1)
    expect(u.template.prevHash).not.toEqual(before)
    expect(s.stats.connected).toBe(true)
  })
})

describe('TemplateSource over ZMQ', () => {
  let publisher: Publisher

  beforeAll(async () => {
    publisher = new Publisher()
    await publisher.bind('tcp://127.0.0.1:*')
  })

  afterAll(() => {
    publisher.close()
  })

  it('fetches a template when hashblock arrives, ignoring malformed messages', async () => {
    const s = source({ zmqUrl: publisher.lastEndpoint as string })
    await s.start()
    expect(s.stats.mode).toBe('zmq')

    const [mined] = await node.mineToScript(1, miner.p2wpkh)
    const hash = Buffer.from(mined as string, 'hex') // Core publishes the hash in display order
    const update = next(s, 'template', (u) => u.newBlock)
    // A subscriber misses what is published before its subscription reaches the publisher (ZMQ's
    // "slow joiner"), so publish until it is heard.
    let publishing = true
    const publish = (async () => {
      for (let sequence = 0; publishing; sequence++) {
        const seq = Buffer.alloc(4)
        seq.writeUInt32LE(sequence)
        await publisher.send(['hashblock', Buffer.from('not a hash'), seq])
        await publisher.send(['hashblock', hash, seq])
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    })()
    try {
      const u = await update
      expect(u.reason).toBe('zmq')
      expect(hashToHex(u.template.prevHash)).toBe(mined)
    } finally {
      publishing = false
      await publish
    }
  })

  it('falls back to polling when the ZMQ endpoint is unusable, and says so', async () => {
    const s = source({ zmqUrl: 'tcp://127.0.0.1:not-a-port', pollIntervalMs: 20 })
    const errors: Error[] = []
    s.on('error', (e) => errors.push(e))
    await s.start()
    expect(s.stats.mode).toBe('poll')
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/ZMQ subscription to tcp:\/\/127\.0\.0\.1:not-a-port failed, polling instead/)])
    const update = next(s, 'template', (u) => u.newBlock)
    const [mined] = await node.mineToScript(1, miner.p2wpkh)
    const u = await update
    expect(u.reason).toBe('poll')
    expect(hashToHex(u.template.prevHash)).toBe(mined)
  })

  it('refuses a malformed ZMQ URL at construction', () => {
    expect(() => new TemplateSource({ rpc: node.rpc, normalize: { reservedWeight: 4000, reservedSigops: 400 }, zmqUrl: 'localhost:28332' })).toThrow(/tcp:\/\//)
  })
})
