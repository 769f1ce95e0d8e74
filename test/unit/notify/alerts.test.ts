/**
 * Alerts end to end on loopback: the AlertMonitor watching real per-worker accounting and stand-in
 * node, bitcoind and swarm emitters, the Notifier posting to local HTTP receivers on 127.0.0.1.
 * Time-based alerts run on an injected clock; deliveries are awaited as events, never slept for.
 */
import { EventEmitter } from 'node:events'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AlertMonitor } from '../../../src/notify/alerts.js'
import type { AlertEvent } from '../../../src/notify/events.js'
import { Notifier, NotifyTargetError, parseTarget } from '../../../src/notify/notifier.js'
import { WorkerStats } from '../../../src/stats/worker-stats.js'
import type { SubmitOutcome } from '../../../src/stratum/types.js'

const A = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'
const T0 = 1_800_000_000_000

interface Received {
  headers: IncomingHttpHeaders
  body: string
}

interface Receiver {
  url: string
  got: Received[]
  close(): Promise<void>
}

/** A webhook receiver on 127.0.0.1: answers each request with the next status of `statuses` (then 200), or never when 'hang'. */
async function receiver(statuses: (number | 'hang')[] = []): Promise<Receiver> {
  const got: Received[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const status = statuses.shift() ?? 200
      if (status === 'hang') return
      if (status === 200) got.push({ headers: req.headers, body })
      res.writeHead(status).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/hook/secret-token`,
    got,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function event(name: AlertEvent['event'], i = 0): AlertEvent {
  return { event: name, severity: 'info', title: `t${i}`, message: `m${i}`, text: `t${i}: m${i}`, time: new Date(T0).toISOString(), node: 'n', data: { i } }
}

describe('Notifier', () => {
  it('posts JSON, retries a failing webhook with backoff and delivers once', async () => {
    const hook = await receiver([500, 503])
    cleanups.push(() => hook.close())
    const n = new Notifier({ targets: [hook.url], backoffMs: 5 })
    cleanups.push(() => n.close())
    n.notify(event('block-found'))
    await until(() => hook.got.length === 1, 'the delivery')
    expect(await n.drained()).toBe(true)
    expect(JSON.parse(hook.got[0]?.body ?? '')).toMatchObject({ event: 'block-found', title: 't0', text: 't0: m0', data: { i: 0 } })
    expect(hook.got[0]?.headers['content-type']).toBe('application/json')
    // The label hides the path, which often carries a webhook's secret.
    expect(n.stats()).toEqual([{ target: hook.url.replace(/\/hook.*$/, ''), queued: 0, sent: 1, failed: 0, dropped: 0, retries: 2 }])
  })

  it('speaks ntfy with the ntfy+ prefix: the message as body, title and priority as headers', async () => {
    const hook = await receiver()
    cleanups.push(() => hook.close())
    const n = new Notifier({ targets: [`ntfy+${hook.url}`] })
    cleanups.push(() => n.close())
    n.notify({ ...event('bitcoind-lost'), severity: 'critical', title: 'bitcoind lost', message: 'connection refused' })
    await until(() => hook.got.length === 1, 'the ntfy post')
    expect(hook.got[0]?.body).toBe('connection refused')
    expect(hook.got[0]?.headers).toMatchObject({ title: 'bitcoind lost', priority: '5', tags: 'hashcoop,bitcoind-lost' })
  })

  it('never blocks: a hung target fills only its own bounded queue (oldest dropped, counted) while another target gets everything', async () => {
    const hung = await receiver(Array.from({ length: 100 }, () => 'hang' as const))
    const healthy = await receiver()
    cleanups.push(() => hung.close(), () => healthy.close())
    const n = new Notifier({ targets: [hung.url, healthy.url], maxQueue: 5, timeoutMs: 60_000, maxAttempts: 1 })
    cleanups.push(() => n.close())
    for (let i = 0; i < 20; i++) {
      n.notify(event('worker-offline', i)) // returns at once
      await until(() => healthy.got.length === i + 1, `event ${i} at the healthy target`)
    }
    const [stuck] = n.stats()
    expect(stuck?.sent).toBe(0)
    expect(stuck?.queued).toBe(5)
    expect(stuck?.dropped).toBe(15) // 20 events, the queue keeps the newest 5, the first one is still in flight among them
    expect(healthy.got.map((g) => (JSON.parse(g.body) as AlertEvent).data.i)).toEqual(Array.from({ length: 20 }, (_, i) => i))
  })

  it('gives up after maxAttempts and counts the failure', async () => {
    const hook = await receiver([500, 500, 500])
    cleanups.push(() => hook.close())
    const n = new Notifier({ targets: [hook.url], backoffMs: 1, maxAttempts: 3 })
    cleanups.push(() => n.close())
    n.notify(event('peers-zero'))
    await until(() => n.stats()[0]?.failed === 1, 'the failure')
    expect(n.stats()[0]).toMatchObject({ sent: 0, failed: 1, retries: 2 })
    expect(hook.got).toHaveLength(0)
  })

  it('refuses what is not an http(s) webhook, saying why', () => {
    expect(() => parseTarget('ftp://127.0.0.1/x')).toThrow(NotifyTargetError)
    expect(() => parseTarget('not a url')).toThrow(/not a URL/)
    expect(parseTarget('ntfy+http://127.0.0.1:8000/topic')).toMatchObject({ format: 'ntfy', url: 'http://127.0.0.1:8000/topic', label: 'ntfy+http://127.0.0.1:8000' })
  })
})

describe('AlertMonitor', () => {
  async function setup(): Promise<{ monitor: AlertMonitor; stats: WorkerStats; node: EventEmitter; templates: EventEmitter; swarm: EventEmitter; hook: Receiver; clock: { now: number }; names: () => string[] }> {
    const dir = mkdtempSync(join(tmpdir(), 'hashcoop-alerts-'))
    const hook = await receiver()
    const stats = await WorkerStats.open({ dataDir: dir, saveIntervalMs: 3_600_000 })
    const node = new EventEmitter()
    const templates = new EventEmitter()
    const swarm = new EventEmitter()
    const clock = { now: T0 }
    const notifier = new Notifier({ targets: [hook.url] })
    const monitor = new AlertMonitor({
      sources: { node, templates, swarm, workerStats: stats },
      emit: (e) => notifier.notify(e),
      nodeName: 'test-node',
      thresholds: { offlineAfterMs: 5 * 60_000, dropPercent: 40, dropWindowMs: 10 * 60_000, dropBaselineMs: 60 * 60_000 },
      checkIntervalMs: 0,
      now: () => clock.now
    })
    cleanups.push(async () => {
      monitor.close()
      notifier.close()
      await stats.close()
      await hook.close()
      rmSync(dir, { recursive: true, force: true })
    })
    const names = (): string[] => hook.got.map((g) => (JSON.parse(g.body) as AlertEvent).event)
    return { monitor, stats, node, templates, swarm, hook, clock, names }
  }

  function submit(stats: WorkerStats, clock: { now: number }, difficulty = 1): void {
    const o: SubmitOutcome = { accepted: true, address: A, worker: 'rig1', kind: 'pseudo', difficulty, hashDifficulty: difficulty, stale: false, at: clock.now }
    stats.record(o)
  }

  it('says a worker went offline after the threshold, once, and when it is back', async () => {
    const { monitor, stats, clock, names, hook } = await setup()
    submit(stats, clock)
    clock.now += 4 * 60_000
    monitor.tick(clock.now)
    clock.now += 2 * 60_000
    monitor.tick(clock.now)
    monitor.tick(clock.now + 1000)
    await until(() => names().length === 1, 'worker-offline')
    submit(stats, clock)
    await until(() => names().length === 2, 'worker-back')
    expect(names()).toEqual(['worker-offline', 'worker-back'])
    const offline = JSON.parse(hook.got[0]?.body ?? '') as AlertEvent
    expect(offline).toMatchObject({ severity: 'warning', node: 'test-node', data: { address: A, worker: 'rig1' } })
    expect(offline.message).toMatch(/no accepted share for 6 min/)
  })

  it('says when a worker hashrate drops by more than the threshold, and again only after it recovered', async () => {
    const { monitor, stats, clock, names, hook } = await setup()
    // An hour at difficulty 4 every 10 s, then ten minutes at difficulty 1: a 75 % drop.
    for (let i = 0; i < 360; i++, clock.now += 10_000) submit(stats, clock, 4)
    monitor.tick(clock.now)
    for (let i = 0; i < 60; i++, clock.now += 10_000) submit(stats, clock, 1)
    monitor.tick(clock.now)
    monitor.tick(clock.now)
    await until(() => names().length === 1, 'hashrate-drop')
    const drop = JSON.parse(hook.got[0]?.body ?? '') as AlertEvent
    expect(drop.event).toBe('hashrate-drop')
    expect(drop.data.dropPercent).toBeGreaterThan(40)
    // Back to full speed for long enough: re-armed, and the next drop is said again.
    for (let i = 0; i < 180; i++, clock.now += 10_000) submit(stats, clock, 4)
    monitor.tick(clock.now)
    for (let i = 0; i < 60; i++, clock.now += 10_000) submit(stats, clock, 0.5)
    monitor.tick(clock.now)
    await until(() => names().length === 2, 'the second hashrate-drop')
    expect(names()).toEqual(['hashrate-drop', 'hashrate-drop'])
  })

  it('forwards blocks, bitcoind and peer-count changes', async () => {
    const { stats, node, templates, swarm, names } = await setup()
    stats.syncBlocks(1)
    stats.syncBlocks(2)
    node.emit('block', { hash: 'ab'.repeat(32), height: 450, accepted: true, reason: null, address: A })
    node.emit('block', { hash: 'cd'.repeat(32), height: 451, accepted: false, reason: 'bad-txns', address: A })
    templates.emit('status', { state: 'lost', error: new Error('ECONNREFUSED') })
    templates.emit('status', { state: 'regained', error: null })
    swarm.emit('peer-left', {}, 1)
    swarm.emit('peer-left', {}, 0)
    swarm.emit('peer-joined', {}, 1)
    swarm.emit('peer-joined', {}, 2)
    await until(() => names().length === 7, 'seven alerts')
    expect(names()).toEqual(['block-found', 'block-accepted', 'block-rejected', 'bitcoind-lost', 'bitcoind-regained', 'peers-zero', 'peers-back'])
  })
  it('says when the data dir disk runs low, as critical, and when space is back', async () => {
    const { monitor, names, hook } = await setup()
    monitor.diskChanged({ freeBytes: 40e6, lowSpaceBytes: 51_588_608, low: true })
    monitor.diskChanged({ freeBytes: 300e6, lowSpaceBytes: 51_588_608, low: false })
    await until(() => names().length === 2, 'two disk alerts')
    const [low, back] = hook.got.map((g) => JSON.parse(g.body) as AlertEvent)
    expect(low).toMatchObject({ event: 'disk-low', severity: 'critical', data: { freeBytes: 40e6, lowSpaceBytes: 51_588_608 } })
    expect(low?.message).toMatch(/^40 MB free .* less than a day of shares \(52 MB\)/)
    expect(back).toMatchObject({ event: 'disk-ok', severity: 'info' })
  })
})
