/**
 * Cooperative figures (issue 4), `npm run bench coop`: real shares, real Autobase, real sockets on
 * a loopback DHT testnet (test/harness/dht.ts). Every node runs in this process, each with its own
 * Corestore (temp dir, deleted at the end), Autobase and CoopSwarm (its own DHT node and sockets).
 *
 *  - share_propagation_p50_ms / _p95_ms: a founder and 4 joiners (5 nodes, full mesh). The founder
 *    mines and appends PROPAGATION_SHARES shares one at a time; for each, the time from `append`
 *    resolving on the founder to `share!<id>` being in each other node's view, found by re-checking
 *    the view on each base's 'update' event (no sleeping). 4 samples per share. Goal p95 < 500 ms.
 *  - node_rss_mb: this process's RSS after that run (after GC), divided by the 5 nodes; the
 *    baseline (before any node opened, the DHT testnet running) and the per-node increase beside it.
 *  - catchup_50k_shares_s: a new cooperative whose founder holds CATCHUP_SHARES valid shares (mined
 *    in memory with the share-chain's own job builder at the easiest target, then appended to the
 *    founder's Autobase and applied by it: built fresh on every run, nothing cached); a fresh node
 *    starts its swarm and the clock stops when its view's tip equals the founder's. Reports
 *    whether Autobase fast-forwarded the fresh node, and how far.
 *
 * Bounded: fixed counts, per-wait timeouts and an overall deadline; stops by itself.
 */
import { rm } from 'node:fs/promises'
import { consensusId } from '../../protocol/params.js'
import { encodeEntry } from '../../protocol/share.js'
import { startLocalDht, type LocalDht } from '../harness/dht.js'
import { ChainPeer, shareIdHex, whenView } from '../harness/chain-peer.js'
import { TestChain, minerScript, testParams } from '../harness/sharechain.js'
import { emit } from './lib.js'

const JOINERS = 4
const PROPAGATION_SHARES = 200
const CATCHUP_SHARES = 50_000
const APPEND_CHUNK = 500
const DEADLINE_MS = 12 * 60_000
const MB = 1024 * 1024

function gc(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i] as number
}

function log(msg: string): void {
  process.stderr.write(`[coop bench] ${msg}\n`)
}

async function waitForMesh(peers: ChainPeer[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!peers.every((p) => p.peerCount === peers.length - 1)) {
    if (Date.now() > deadline) throw new Error(`no full mesh after ${timeoutMs} ms: ${peers.map((p) => p.peerCount).join(' ')}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function propagation(dht: LocalDht, opened: ChainPeer[]): Promise<void> {
  const params = testParams({}, 'coop-bench-propagation')
  const cid = consensusId(params)
  gc()
  const rssBefore = process.memoryUsage().rss
  const founder = await ChainPeer.start({ name: 'founder', consensusId: cid, found: params, bootstrapKey: null, dht })
  opened.push(founder)
  const joiners: ChainPeer[] = []
  for (let i = 0; i < JOINERS; i++) {
    const p = await ChainPeer.start({ name: `joiner${i}`, consensusId: cid, bootstrapKey: founder.base.key, dht })
    opened.push(p)
    joiners.push(p)
  }
  const all = [founder, ...joiners]
  await waitForMesh(all)
  for (const p of all) await whenView(p.base, async () => (await p.view.get('genesis')) !== null, `the genesis on ${p.name}`)
  log(`${all.length} nodes in a full mesh`)

  const samples: number[] = []
  let early = 0
  for (let n = 0; n < PROPAGATION_SHARES; n++) {
    const share = await founder.mine(minerScript(n % 7))
    const id = shareIdHex(share)
    const seenAt = joiners.map(() => NaN)
    const seen = joiners.map((p, i) =>
      whenView(
        p.base,
        async () => {
          if ((await p.share(id)) === null) return false
          seenAt[i] = performance.now()
          return true
        },
        `share ${n} on ${p.name}`,
        20_000
      )
    )
    await founder.appendShare(share)
    const appendedAt = performance.now()
    await Promise.all(seen)
    for (const t of seenAt) {
      // Seen before append resolved on the founder: count it as 0 (and say how often).
      if (t < appendedAt) early++
      samples.push(Math.max(0, t - appendedAt))
    }
  }
  samples.sort((a, b) => a - b)
  const context = { nodes: all.length, shares: PROPAGATION_SHARES, samples: samples.length, seenBeforeAppendResolved: early, transport: 'local DHT testnet, one process' }
  emit({ name: 'share_propagation_p50_ms', value: percentile(samples, 50), unit: 'ms', ...context })
  emit({ name: 'share_propagation_p95_ms', value: percentile(samples, 95), unit: 'ms', goal: 500, max: samples.at(-1), ...context })

  gc()
  const rss = process.memoryUsage().rss
  emit({
    name: 'node_rss_mb',
    value: rss / all.length / MB,
    unit: 'MB',
    nodes: all.length,
    processRssMb: Number((rss / MB).toFixed(1)),
    baselineRssMb: Number((rssBefore / MB).toFixed(1)),
    perNodeIncreaseMb: Number(((rss - rssBefore) / all.length / MB).toFixed(1)),
    chainShares: PROPAGATION_SHARES,
    measured: 'process RSS after the propagation run and a GC, / nodes (all nodes share one process, its runtime and the DHT testnet)'
  })
}

async function catchup(dht: LocalDht, opened: ChainPeer[]): Promise<void> {
  // The easiest share target the regtest rules allow: about 2 hashes per share.
  const params = testParams({ initialShareBits: 0x207fffff, maxShareBits: 0x207fffff }, 'coop-bench-catchup')
  const cid = consensusId(params)

  let t = performance.now()
  const mem = await TestChain.create(params)
  const entries: Uint8Array[] = []
  for (let i = 0; i < CATCHUP_SHARES; i++) entries.push(encodeEntry({ type: 'share', share: await mem.extend(minerScript(i % 50)) }))
  const tip = (await mem.tip())?.id
  log(`mined ${CATCHUP_SHARES} shares in ${((performance.now() - t) / 1000).toFixed(1)} s`)

  const founder = await ChainPeer.start({ name: 'big-founder', consensusId: cid, found: params, bootstrapKey: null, dht, offline: true })
  opened.push(founder)
  t = performance.now()
  for (let i = 0; i < entries.length; i += APPEND_CHUNK) {
    // Issued together, not awaited one by one: ~140 us per append instead of ~2.7 ms (holepunch.md).
    await Promise.all(entries.slice(i, i + APPEND_CHUNK).map((e) => founder.base.append(e)))
  }
  await founder.base.update()
  const founderTip = await founder.tip()
  const stats = await founder.stats()
  if (founderTip === null || founderTip.id !== tip || stats?.shares !== CATCHUP_SHARES || stats.invalid !== 0) {
    throw new Error(`founder did not apply the chain: tip ${founderTip?.id} stats ${JSON.stringify(stats)}`)
  }
  const founderTipId = founderTip.id
  const buildS = (performance.now() - t) / 1000
  log(`founder appended and applied ${CATCHUP_SHARES} shares in ${buildS.toFixed(1)} s (height ${founderTip.height})`)
  await founder.heal()

  const fresh = await ChainPeer.start({ name: 'fresh', consensusId: cid, bootstrapKey: founder.base.key, dht, offline: true })
  opened.push(fresh)
  const fastForwards: { from: number; to: number }[] = []
  fresh.base.autobase.on('fast-forward', (to, from) => fastForwards.push({ from, to }))
  t = performance.now()
  await fresh.heal()
  await whenView(fresh.base, async () => (await fresh.tip())?.id === founderTipId, 'the fresh node to reach the founder tip', 5 * 60_000)
  const seconds = (performance.now() - t) / 1000
  const freshStats = await fresh.stats()
  // After a fast-forward the view is sparse: blocks are fetched when read. Building the first job
  // reads the window (windowShares ancestors) and the uncle candidates: how long that takes here.
  t = performance.now()
  const job = await fresh.state.workBase(fresh.view)
  const firstJobMs = performance.now() - t
  if (job?.parent?.idHex !== founderTipId) throw new Error('the fresh node built its first job on another parent')
  emit({
    name: 'catchup_50k_shares_s',
    value: seconds,
    unit: 's',
    shares: CATCHUP_SHARES,
    systemLength: founder.base.autobase.length,
    fastForward: fastForwards.length > 0 ? fastForwards : 'not used',
    freshStats,
    firstJobMs: Number(firstJobMs.toFixed(1)),
    founderBuildS: Number(buildS.toFixed(1)),
    measured: 'fresh node: swarm start to its view tip == the founder tip (same process, loopback testnet)'
  })
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    process.stderr.write(`coop bench: over ${DEADLINE_MS / 60_000} min, giving up\n`)
    process.exit(2)
  }, DEADLINE_MS)
  deadline.unref()

  const dht = await startLocalDht()
  const opened: ChainPeer[] = []
  try {
    await propagation(dht, opened)
    while (opened.length) await (opened.pop() as ChainPeer).destroy()
    await catchup(dht, opened)
  } finally {
    while (opened.length) {
      const p = opened.pop() as ChainPeer
      await p.destroy().catch(() => rm(p.dataDir, { recursive: true, force: true }))
    }
    await dht.stop()
    clearTimeout(deadline)
  }
}

await main()
