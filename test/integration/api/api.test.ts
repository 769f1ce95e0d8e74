/**
 * Every API route against running nodes: bcoin regtest in process, a local DHT on 127.0.0.1, a
 * founder and a joiner, one CPU miner on the founder over real stratum TCP. The miner keeps mining
 * while the routes are read, so each assertion holds within one response.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiServer } from '../../../src/api/server.js'
import { newToken } from '../../../src/api/admin.js'
import { addressToScript } from '../../../src/bitcoin/address.js'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { decodeJoinKey } from '../../../src/coop/join-key.js'
import { difficultyToTarget, targetToBits } from '../../../src/bitcoin/target.js'
import { CpuDriver } from '../../../src/drivers/cpu.js'
import { StratumClient } from '../../../src/drivers/stratum-client.js'
import { HashcoopNode, initCooperative } from '../../../src/node/node.js'
import { restoreBackup } from '../../../src/node/backup.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { freePort, startRegtest, type RegtestNode } from '../../harness/regtest.js'

const MINER = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'
const STRANGER = 'bcrt1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qzf4jry'
const MAINNET_ADDRESS = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'

let regtest: RegtestNode
let dht: LocalDht
let founder: HashcoopNode
let joiner: HashcoopNode
let api: ApiServer
let joinerApi: ApiServer
let joinKey: string
const token = newToken()
const joinerToken = newToken()
const dirs: string[] = []
let driver: CpuDriver | null = null
let client: StratumClient | null = null

async function waitFor(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

interface Reply<T> {
  status: number
  body: T
  type: string
}

async function get<T = Record<string, unknown>>(path: string, base = api): Promise<Reply<T>> {
  const res = await fetch(base.url + path)
  const type = res.headers.get('content-type') ?? ''
  const body = (type.includes('json') ? await res.json() : await res.text()) as T
  return { status: res.status, body, type }
}

async function post(path: string, body: unknown, bearer: string | null, base = api): Promise<Reply<{ error?: string; ok?: boolean }>> {
  const res = await fetch(base.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }) }, body: JSON.stringify(body) })
  return { status: res.status, body: (await res.json()) as { error?: string; ok?: boolean }, type: res.headers.get('content-type') ?? '' }
}

const sum = (values: string[]): bigint => values.reduce((a, v) => a + BigInt(v), 0n)

beforeAll(async () => {
  regtest = await startRegtest()
  await regtest.mineToScript(440, addressToScript(STRANGER, 'regtest'))
  dht = await startLocalDht()
  const founderDir = mkdtempSync(join(tmpdir(), 'hashcoop-api-'))
  const joinerDir = mkdtempSync(join(tmpdir(), 'hashcoop-api-'))
  dirs.push(founderDir, joinerDir)
  ;({ joinKey } = await initCooperative({ dataDir: founderDir, network: 'regtest', overrides: { initialShareBits: targetToBits(difficultyToTarget(0.00005)), windowShares: 50 } }))
  const bitcoind = { url: regtest.rpcUrl, auth: { user: regtest.user, password: regtest.password }, pollIntervalMs: 100 }
  founder = await HashcoopNode.start({ dataDir: founderDir, bitcoind, stratum: { host: '127.0.0.1', port: await freePort(), vardiff: false }, dht: dht.choice() })
  joiner = await HashcoopNode.start({ dataDir: joinerDir, joinKey, bitcoind, stratum: { host: '127.0.0.1', port: await freePort() }, dht: dht.choice() })
  api = await ApiServer.start({ node: founder, port: 0, adminToken: token, sampleIntervalMs: 200 })
  joinerApi = await ApiServer.start({ node: joiner, port: 0, adminToken: joinerToken })
  driver = new CpuDriver({ threads: 1 })
  await driver.start()
  client = new StratumClient({ host: '127.0.0.1', port: founder.config.stratum.port, username: `${MINER}.rig1`, password: 'x', driver })
  client.start()
  await waitFor(async () => {
    const stats = (await founder.view.get('stats'))?.value as { shares: number } | undefined
    const tip = (await founder.view.get('tip'))?.value as { height: number } | undefined
    // The miner's answer is counted after the append resolves, which can be after the view has the share.
    // Shares found on a job the next share made stale are siblings, not descendants: the paging test
    // needs a best chain at least three deep, not just four shares.
    return (stats?.shares ?? 0) >= 4 && (tip?.height ?? 0) >= 3 && founder.stratum.stats().accepted >= 4 && founder.work.stats.blocks.accepted >= 2 && joiner.swarm.peerCount > 0
  }, 'four shares answered and in the view, a best chain three deep, two accepted blocks and a connected peer')
}, 120_000)

afterAll(async () => {
  await client?.stop()
  await driver?.stop()
  await api?.close()
  await joinerApi?.close()
  await joiner?.stop()
  await founder?.stop()
  await dht?.stop()
  await regtest?.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
}, 60_000)

describe('GET /api/status', () => {
  it('describes the cooperative, this node, the tip, bitcoind, peers and stratum', async () => {
    const { status, body, type } = await get<Record<string, any>>('/api/status')
    expect(status).toBe(200)
    expect(type).toBe('application/json; charset=utf-8')
    const key = decodeJoinKey(joinKey)
    expect(body.cooperative).toMatchObject({ joinKey, private: false, network: 'regtest', consensusId: toHex(key.consensusId), bootstrapKey: toHex(key.bootstrapKey) })
    expect(body.cooperative.params).toMatchObject({ network: 'regtest', shareInterval: 2, windowShares: 50, initialShareDifficulty: expect.closeTo(0.00005, 6) })
    expect(body.node).toMatchObject({ writerKey: toHex(founder.base.localKey), writable: true, indexer: true })
    expect(body.tip.height).toBeGreaterThanOrEqual(1)
    expect(body.tip.id).toMatch(/^[0-9a-f]{64}$/)
    expect(body.tip.miner).toBe(MINER)
    expect(body.shareChain.shares).toBeGreaterThanOrEqual(4)
    expect(body.shareChain.invalid).toBe(0)
    expect(body.shareChain.hashrate).toBeGreaterThan(0)
    expect(body.shareChain.hashrateText).toMatch(/^[\d.]+ [kMG]?H\/s$/)
    expect(body.bitcoind.connected).toBe(true)
    expect(body.bitcoind.height).toBeGreaterThanOrEqual(442)
    expect(body.bitcoind.lastTemplate).toMatchObject({ height: body.bitcoind.height + 1, segwit: true })
    expect(body.bitcoind.blocksSubmitted.accepted).toBeGreaterThanOrEqual(2)
    expect(body.peers.count).toBe(1)
    expect(body.peers.list[0]).toMatchObject({ writer: expect.any(Boolean) })
    expect(body.stratum).toMatchObject({ connections: 1, authorized: 1 })
    expect(body.stratum.accepted).toBeGreaterThanOrEqual(4)
    // The miner's address has accepted shares: proven, so no session counts against the unproven caps.
    expect(body.stratum).toMatchObject({ unprovenSessions: 0, provenAddresses: 1, refusedConnections: 0, refusals: expect.objectContaining({ 'unproven-timeout': 0, 'connections-per-prefix': 0 }) })
  })
})

describe('GET /api/miners', () => {
  it('lists the miner with its shares, window part, expected payout and worker', async () => {
    const { status, body } = await get<Record<string, any>>('/api/miners')
    expect(status).toBe(200)
    expect(body.miners).toHaveLength(1) // one miner mines in this cooperative
    const m = body.miners[0]
    expect(m.address).toBe(MINER)
    expect(m.script).toBe(toHex(addressToScript(MINER, 'regtest')))
    expect(m.shares).toBeGreaterThanOrEqual(4)
    expect(m.window.pct).toBe(100)
    expect(m.hashrate).toBeGreaterThan(0)
    expect(m.expectedPayout.sats).toBe(body.coinbaseValue) // all of the window, so all of a block
    expect(m.workers).toEqual([expect.objectContaining({ name: 'rig1', sessions: 1, accepted: expect.any(Number) })])
    expect(m.workers[0].accepted).toBeGreaterThanOrEqual(1)
    expect(m.localHashrate).toBeGreaterThan(0)
  })

  it('answers one miner by address, 404 for a stranger, 400 for a malformed or foreign address', async () => {
    const one = await get<Record<string, any>>(`/api/miners/${MINER}`)
    expect(one.status).toBe(200)
    expect(one.body.miner.address).toBe(MINER)
    const stranger = await get<{ error: string }>(`/api/miners/${STRANGER}`)
    expect(stranger.status).toBe(404)
    expect(stranger.body.error).toContain(STRANGER)
    const malformed = await get<{ error: string }>('/api/miners/not-an-address')
    expect(malformed.status).toBe(400)
    expect(malformed.body.error).toMatch(/not a regtest address/)
    const foreign = await get<{ error: string }>(`/api/miners/${MAINNET_ADDRESS}`)
    expect(foreign.status).toBe(400)
    expect((await get('/api/miners/%E0%A4%A')).status).toBe(400)
  })
})

describe('GET /api/shares', () => {
  it('pages the best chain newest first', async () => {
    const first = await get<Record<string, any>>('/api/shares?limit=2')
    expect(first.status).toBe(200)
    const [a, b] = first.body.shares
    expect(first.body.shares).toHaveLength(2)
    expect(a.height).toBe(b.height + 1)
    expect(a.parent).toBe(b.id)
    expect(a.miner).toBe(MINER)
    expect(a.difficulty).toBeGreaterThan(0)
    expect(first.body.nextBefore).toBe(b.height)
    const next = await get<Record<string, any>>(`/api/shares?limit=2&before=${first.body.nextBefore}`)
    expect(next.body.shares[0].id).toBe(b.parent)
    const all = await get<Record<string, any>>('/api/shares?limit=500')
    expect(all.body.shares.at(-1).height).toBe(0)
    expect(all.body.nextBefore).toBeNull()
  })

  it('refuses bad query values with 400', async () => {
    for (const q of ['limit=0', 'limit=501', 'limit=ten', 'limit=-3', 'before=0', 'before=x', 'limit=1&limit=2', 'page=2']) {
      const r = await get<{ error: string }>(`/api/shares?${q}`)
      expect(r.status, q).toBe(400)
      expect(r.body.error, q).toMatch(/query parameter/)
    }
  })
})

describe('GET /api/blocks', () => {
  it('lists found blocks with payouts that add up to the coinbase value', async () => {
    const { status, body } = await get<Record<string, any>>('/api/blocks')
    expect(status).toBe(200)
    expect(body.total).toBeGreaterThanOrEqual(2)
    for (const b of body.blocks) {
      expect(b.hash).toMatch(/^0{2}[0-9a-f]{62}$/)
      expect(sum(b.outputs.map((o: { sats: string }) => o.sats))).toBe(BigInt(b.coinbaseValue))
      expect(b.finder).toBe(MINER)
      expect(b.blockHeight).toBeGreaterThan(440)
    }
    expect(body.blocks.some((b: { submittedHere: { accepted: boolean } | null }) => b.submittedHere?.accepted === true)).toBe(true)
    const header = await regtest.rpc.getBlockHeader(body.blocks.at(-1).hash)
    expect(header.height).toBe(body.blocks.at(-1).blockHeight)
  })

  it('pages and refuses bad values', async () => {
    const page = await get<Record<string, any>>('/api/blocks?limit=1')
    expect(page.body.blocks).toHaveLength(1)
    const next = await get<Record<string, any>>(`/api/blocks?limit=1&before=${page.body.nextBefore}`)
    expect(next.body.blocks[0].seq).toBeLessThan(page.body.blocks[0].seq)
    expect((await get('/api/blocks?limit=abc')).status).toBe(400)
    expect((await get('/api/blocks?before=-1')).status).toBe(400)
  })
})

describe('GET /api/payouts/next', () => {
  it('gives the split a block found now would pay, summing to the template coinbase value', async () => {
    const { status, body } = await get<Record<string, any>>('/api/payouts/next')
    expect(status).toBe(200)
    expect(body.finder).toEqual({ address: MINER, assumed: true, bonusBps: 50 })
    expect(sum(body.outputs.map((o: { sats: string }) => o.sats))).toBe(BigInt(body.template.coinbaseValue))
    expect(body.outputs).toEqual([expect.objectContaining({ address: MINER, pct: 100 })])
    expect(body.template.coinbaseValueBtc).toMatch(/^\d+\.\d{8}$/)
  })

  it('splits between the window and another finder, and refuses a bad finder', async () => {
    const { body } = await get<Record<string, any>>(`/api/payouts/next?finder=${STRANGER}`)
    expect(body.finder).toMatchObject({ address: STRANGER, assumed: false })
    const value = BigInt(body.template.coinbaseValue)
    const bonus = (value * 50n) / 10_000n
    const byAddress = new Map(body.outputs.map((o: { address: string; sats: string }) => [o.address, BigInt(o.sats)]))
    expect(byAddress.get(STRANGER)).toBe(bonus)
    expect(byAddress.get(MINER)).toBe(value - bonus)
    const bad = await get<{ error: string }>('/api/payouts/next?finder=xyz')
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatch(/'finder'/)
  })
})

describe('GET /api/hashrate', () => {
  it('draws from real share-chain work, with labelled ticks', async () => {
    const { body } = await get<Record<string, any>>('/api/hashrate?minutes=10&points=20')
    expect(body.ticks[0]).toEqual({ value: 0, label: '0 H/s' })
    expect(body.ticks.at(-1).value).toBeGreaterThanOrEqual(body.max)
    expect(body.cooperative.some((p: { hashrate: number }) => p.hashrate > 0)).toBe(true)
    expect(body.local.length).toBeGreaterThan(0)
    expect((await get('/api/hashrate?minutes=0')).status).toBe(400)
    expect((await get('/api/hashrate?points=1')).status).toBe(400)
  })
})

describe('GET /metrics', () => {
  it('exports stratum, share-chain, bitcoind and peer metrics in Prometheus format', async () => {
    const { status, body, type } = await get<string>('/metrics')
    expect(status).toBe(200)
    expect(type).toMatch(/^text\/plain/)
    const value = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(body)?.[1] ?? NaN)
    expect(value('hashcoop_sharechain_shares')).toBeGreaterThanOrEqual(4)
    expect(value('hashcoop_sharechain_height')).toBeGreaterThanOrEqual(1)
    expect(value('hashcoop_stratum_connections')).toBe(1)
    expect(value('hashcoop_stratum_accepted_total')).toBeGreaterThanOrEqual(4)
    expect(value('hashcoop_bitcoind_connected')).toBe(1)
    expect(value('hashcoop_bitcoind_template_height')).toBeGreaterThan(440)
    expect(value('hashcoop_peers')).toBe(1)
    expect(body).toMatch(/^hashcoop_blocks_submitted_total\{result="accepted"\} [1-9]/m)
    expect(body).toMatch(/^# TYPE hashcoop_stratum_accepted_total counter$/m)
    expect(body).toMatch(/^# TYPE hashcoop_stratum_refusals_total counter$/m) // by reason, once one is counted
    expect(value('hashcoop_stratum_unproven_sessions')).toBe(0)
    expect(body).toMatch(/^process_cpu_seconds_total /m)
    expect(body).toContain(`consensus_id="${toHex(decodeJoinKey(joinKey).consensusId)}"`)
  })
})

describe('the dashboard and errors', () => {
  it('serves the page with a policy that forbids any other origin', async () => {
    const res = await fetch(api.url + '/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
    const html = await res.text()
    expect(html).toContain('<table class="table" id="miners-table">')
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/)
    expect((await get('/dashboard.js')).type).toMatch(/^text\/javascript/)
  })

  it('answers unknown routes 404 and wrong methods 405, in JSON', async () => {
    const missing = await get<{ error: string }>('/api/nothing')
    expect(missing.status).toBe(404)
    expect(missing.body.error).toContain('/api/nothing')
    const res = await fetch(api.url + '/api/status', { method: 'DELETE' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET')
  })
})

describe('POST /api/admin', () => {
  it('needs the token, a well-formed key, and an indexer; then the joiner becomes a writer', async () => {
    const key = toHex(joiner.base.localKey)
    expect(joiner.base.writable).toBe(false)
    expect((await post('/api/admin/add-writer', { key }, null)).status).toBe(401)
    expect((await post('/api/admin/add-writer', { key }, newToken())).status).toBe(401)
    const badKey = await post('/api/admin/add-writer', { key: 'abc' }, token)
    expect(badKey.status).toBe(400)
    expect(badKey.body.error).toMatch(/^key: /)
    expect((await post('/api/admin/make-king', { key }, token)).status).toBe(404)
    // The joiner is no indexer: its own API refuses, and nothing changes.
    const notIndexer = await post('/api/admin/add-writer', { key }, joinerToken, joinerApi)
    expect(notIndexer.status).toBe(409)
    expect(notIndexer.body.error).toMatch(/only an indexer can add-writer/)
    const ok = await post('/api/admin/add-writer', { key }, token)
    expect(ok).toMatchObject({ status: 200, body: { ok: true } })
    await waitFor(() => joiner.base.writable, 'the joiner to become a writer', 30_000)
    const status = await get<Record<string, any>>('/api/status', joinerApi)
    expect(status.body.node).toMatchObject({ writable: true, indexer: false })
  })
})

describe('POST /api/admin/backup', () => {
  it('needs the token and an absolute path; writes a backup of the running node that restores with its writer key', async () => {
    const where = mkdtempSync(join(tmpdir(), 'hashcoop-api-backup-'))
    dirs.push(where)
    const out = join(where, 'founder.hcbk')
    expect((await post('/api/admin/backup', { out }, null)).status).toBe(401)
    expect((await post('/api/admin/backup', { out: 'relative.hcbk' }, token)).status).toBe(400)
    const ok = await post('/api/admin/backup', { out }, token)
    expect(ok).toMatchObject({ status: 200, body: { ok: true, out, writerKey: toHex(founder.base.localKey) } })
    expect((await post('/api/admin/backup', { out }, token)).status).toBe(409) // exists, no force
    const restored = await restoreBackup(out, join(where, 'restored'))
    expect(restored.meta).toMatchObject({ mode: 'online', writerKey: toHex(founder.base.localKey) })
  })
})
