// Issue 16 part 1: reconnection that always converges. Three share-chain nodes (founder, writer,
// non-writer), each in its own process, on the loopback DHT testnet. Five rounds of kill -9 and
// restart on the same data dir (founder, writer, non-writer, founder, writer), then five rounds of
// a network partition that drops packets without closing anything (SIGSTOP, until the others have
// dropped the node; shares are mined on both sides) and its heal (SIGCONT). After every round all
// three views must reach one tip within 30 s, with nobody restarting anyone else.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { consensusId } from '../../../protocol/params.js'
import { ChainPeer } from '../../harness/chain-peer.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { ProcessPeer, type PeerReport } from '../../harness/peer-process.js'
import { testParams } from '../../harness/sharechain.js'

const params = testParams()
const cid = toHex(consensusId(params))
const ROUNDS = 5
const CONVERGE_MS = 30_000

let dht: LocalDht
const dirs: string[] = []
let nodes: ProcessPeer[] = []
const measured = { restart: { reconnect: [] as number[], converge: [] as number[] }, heal: { reconnect: [] as number[], converge: [] as number[] } }

async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  for (;;) {
    try {
      const got = await probe()
      if (got !== null) return got
    } catch (err) {
      last = err instanceof Error ? err.message : String(err)
    }
    if (Date.now() > deadline) {
      const tails = nodes.map((n) => `--- ${n.name}\n${n.logTail.split('\n').filter((l) => !l.includes(' debug ')).slice(-12).join('\n')}`)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} ${last}\n${tails.join('\n')}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

const reports = (ns: readonly ProcessPeer[]): Promise<PeerReport[]> => Promise.all(ns.map((n) => n.report(10_000)))

/** Every pair of the given nodes joined to each other. */
async function meshed(ns: readonly ProcessPeer[]): Promise<PeerReport[] | null> {
  const rs = await reports(ns)
  for (const r of rs) for (const other of rs) if (other !== r && !r.peers.includes(other.publicKey)) return null
  return rs
}

/** One tip, one system-core hash on every node, and at least `shares` shares in the view. */
async function converged(ns: readonly ProcessPeer[], shares: number): Promise<PeerReport[] | null> {
  const rs = await reports(ns)
  const first = rs[0] as PeerReport
  if (first.tip === null || first.shares < shares) return null
  return rs.every((r) => r.tip === first.tip && r.hash === first.hash) ? rs : null
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

beforeAll(async () => {
  dht = await startLocalDht()
  // Found the cooperative in-process (offline), then hand its data dir to a child process.
  const founding = await ChainPeer.start({ name: 'founding', consensusId: consensusId(params), found: params, bootstrapKey: null, dht, offline: true })
  const baseKey = toHex(founding.base.key)
  dirs.push(founding.dataDir)
  await founding.stop()
  const joinerDir = async (name: string) => {
    const d = await mkdtemp(join(tmpdir(), `hashcoop-${name}-`))
    dirs.push(d)
    return d
  }
  const common = { consensusId: cid, bootstrap: dht.bootstrap }
  const founder = new ProcessPeer({ ...common, name: 'founder', dataDir: founding.dataDir, bootstrapKey: null, relay: true })
  const writer = new ProcessPeer({ ...common, name: 'writer', dataDir: await joinerDir('writer'), bootstrapKey: baseKey, relay: true })
  const reader = new ProcessPeer({ ...common, name: 'reader', dataDir: await joinerDir('reader'), bootstrapKey: baseKey, relay: false })
  nodes = [founder, writer, reader]
  for (const n of nodes) await n.start()
  await poll('the first full mesh', 60_000, () => meshed(nodes))
  const w = await writer.report()
  await founder.addWriter(w.writerKey)
  await poll('the writer to become writable', 30_000, async () => ((await writer.report()).writable ? true : null))
  await founder.mine(1)
  await writer.mine(2)
  await reader.mine(3)
  await poll('the first convergence', CONVERGE_MS, () => converged(nodes, 3))
}, 180_000)

afterAll(async () => {
  for (const n of nodes) await n.stop().catch(() => {})
  await dht?.stop()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
  for (const [what, m] of Object.entries(measured)) {
    if (m.reconnect.length === 0) continue
    console.info(`[measure] after ${what}: reconnect median ${median(m.reconnect)} ms, max ${Math.max(...m.reconnect)} ms; converge median ${median(m.converge)} ms, max ${Math.max(...m.converge)} ms (${m.reconnect.join(' ')} / ${m.converge.join(' ')})`)
  }
})

describe('multi-process cluster: restarts and partitions always reconnect and converge', () => {
  it(`kill -9 and restart each node in turn, ${ROUNDS} rounds`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const victim = nodes[round % 3] as ProcessPeer
      const others = nodes.filter((n) => n !== victim)
      const before = (await reports(nodes))[0] as PeerReport
      await victim.kill()
      // The cooperative goes on without it (the writer, or the founder when the writer is down).
      const miner = others.find((n) => n.name !== 'reader') as ProcessPeer
      await miner.mine(10 + round)
      await victim.start()
      const t0 = Date.now()
      await poll(`round ${round}: ${victim.name} back in the mesh`, CONVERGE_MS, () => meshed(nodes))
      measured.restart.reconnect.push(Date.now() - t0)
      await victim.mine(20 + round) // the restarted node contributes again
      const rs = await poll(`round ${round}: one tip after restarting ${victim.name}`, CONVERGE_MS, () => converged(nodes, before.shares + 2))
      measured.restart.converge.push(Date.now() - t0)
      expect(new Set(rs.map((r) => r.tip)).size).toBe(1)
      expect(rs[0]?.shares).toBeGreaterThanOrEqual(before.shares + 2)
    }
  }, 300_000)

  it(`partition each node in turn without closing its connections, ${ROUNDS} rounds, and heal`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const victim = nodes[round % 3] as ProcessPeer
      const others = nodes.filter((n) => n !== victim)
      const before = (await reports(nodes))[0] as PeerReport
      const victimKey = (await victim.report()).publicKey
      victim.pause()
      try {
        // The others notice the silence (keepalive timeout) and drop it; the majority keeps mining.
        await poll(`round ${round}: the others drop ${victim.name}`, CONVERGE_MS, async () => ((await reports(others)).every((r) => !r.peers.includes(victimKey)) ? true : null))
        const miner = others.find((n) => n.name !== 'reader') as ProcessPeer
        await miner.mine(40 + round)
      } finally {
        victim.resume()
      }
      const t0 = Date.now()
      await poll(`round ${round}: ${victim.name} back in the mesh after the heal`, CONVERGE_MS, () => meshed(nodes))
      measured.heal.reconnect.push(Date.now() - t0)
      await victim.mine(60 + round)
      await poll(`round ${round}: one tip after healing ${victim.name}`, CONVERGE_MS, () => converged(nodes, before.shares + 2))
      measured.heal.converge.push(Date.now() - t0)
    }
  }, 300_000)
})
