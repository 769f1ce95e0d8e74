/**
 * Three share-chain nodes in separate processes (founder, writer, non-writer) on a loopback DHT
 * testnet, with the two faults of issue 16: kill -9 and restart on the same data dir, and a
 * partition that drops packets without closing anything (SIGSTOP until the others have dropped the
 * node, then SIGCONT). Each round reports how long the mesh and the common tip took to come back.
 * Used by test/integration/coop/reconnect-processes.test.ts (asserts) and
 * test/bench/reconnect.bench.ts (figures). Waits poll with deadlines; nothing sleeps a fixed time.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toHex } from '../../src/bitcoin/bytes.js'
import { consensusId } from '../../protocol/params.js'
import { ChainPeer } from './chain-peer.js'
import { startLocalDht, type LocalDht } from './dht.js'
import { ProcessPeer, type PeerReport } from './peer-process.js'
import { testParams } from './sharechain.js'

export const CONVERGE_MS = 30_000

export interface RoundResult {
  victim: string
  /** ms from the restart (process ready) or the heal (SIGCONT) to every pair joined again. */
  reconnectMs: number
  /** ms from the same moment to one tip and one history on all three, with the round's shares. */
  convergeMs: number
  reports: PeerReport[]
}

export class ProcessCluster {
  private constructor(
    private readonly dht: LocalDht,
    readonly nodes: ProcessPeer[],
    private readonly dirs: string[]
  ) {}

  /** Founds a cooperative, starts its three processes, makes the writer a writer, mines on each. */
  static async start(seed = 'process-cluster'): Promise<ProcessCluster> {
    const params = testParams({}, seed)
    const dht = await startLocalDht()
    const dirs: string[] = []
    const founding = await ChainPeer.start({ name: 'founding', consensusId: consensusId(params), found: params, bootstrapKey: null, dht, offline: true })
    const baseKey = toHex(founding.base.key)
    dirs.push(founding.dataDir)
    await founding.stop()
    const joinerDir = async (name: string) => {
      const d = await mkdtemp(join(tmpdir(), `hashcoop-${name}-`))
      dirs.push(d)
      return d
    }
    const common = { consensusId: toHex(consensusId(params)), bootstrap: dht.bootstrap }
    const nodes = [
      new ProcessPeer({ ...common, name: 'founder', dataDir: founding.dataDir, bootstrapKey: null, relay: true }),
      new ProcessPeer({ ...common, name: 'writer', dataDir: await joinerDir('writer'), bootstrapKey: baseKey, relay: true }),
      new ProcessPeer({ ...common, name: 'reader', dataDir: await joinerDir('reader'), bootstrapKey: baseKey, relay: false })
    ]
    const cluster = new ProcessCluster(dht, nodes, dirs)
    const [founder, writer, reader] = nodes as [ProcessPeer, ProcessPeer, ProcessPeer]
    for (const n of nodes) await n.start()
    await cluster.poll('the first full mesh', 60_000, () => cluster.meshed())
    await founder.addWriter((await writer.report()).writerKey)
    await cluster.poll('the writer to become writable', CONVERGE_MS, async () => ((await writer.report()).writable ? true : null))
    await founder.mine(1)
    await writer.mine(2)
    await reader.mine(3)
    await cluster.poll('the first convergence', CONVERGE_MS, () => cluster.converged(3))
    return cluster
  }

  async poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
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
        const tails = this.nodes.map((n) => `--- ${n.name}\n${n.logTail.split('\n').filter((l) => !l.includes(' debug ')).slice(-12).join('\n')}`)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} ${last}\n${tails.join('\n')}`)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  reports(ns: readonly ProcessPeer[] = this.nodes): Promise<PeerReport[]> {
    return Promise.all(ns.map((n) => n.report(10_000)))
  }

  /** Every pair joined to each other, or null. */
  async meshed(): Promise<PeerReport[] | null> {
    const rs = await this.reports()
    for (const r of rs) for (const other of rs) if (other !== r && !r.peers.includes(other.publicKey)) return null
    return rs
  }

  /** One tip and one system-core hash on every node, with at least `shares` shares, or null. */
  async converged(shares: number): Promise<PeerReport[] | null> {
    const rs = await this.reports()
    const first = rs[0] as PeerReport
    if (first.tip === null || first.shares < shares) return null
    return rs.every((r) => r.tip === first.tip && r.hash === first.hash) ? rs : null
  }

  /** Round r's victim: founder, writer, non-writer, founder, ... */
  victim(round: number): ProcessPeer {
    return this.nodes[round % this.nodes.length] as ProcessPeer
  }

  /** A writer among the others, to keep the cooperative going while the victim is away. */
  private minerBesides(victim: ProcessPeer): ProcessPeer {
    return this.nodes.find((n) => n !== victim && n.name !== 'reader') as ProcessPeer
  }

  /** kill -9 the victim, mine without it, restart it on its data dir, wait for mesh and tip. */
  async restartRound(round: number): Promise<RoundResult> {
    const victim = this.victim(round)
    const before = (await this.reports())[0] as PeerReport
    await victim.kill()
    await this.minerBesides(victim).mine(10 + round)
    await victim.start()
    return this.rejoin(round, victim, before, 20 + round, 'restart')
  }

  /** Freeze the victim until the others dropped it, mine without it, thaw it, wait for mesh and tip. */
  async partitionRound(round: number): Promise<RoundResult> {
    const victim = this.victim(round)
    const others = this.nodes.filter((n) => n !== victim)
    const before = (await this.reports())[0] as PeerReport
    const victimKey = (await victim.report()).publicKey
    victim.pause()
    try {
      await this.poll(`round ${round}: the others drop ${victim.name}`, CONVERGE_MS, async () => ((await this.reports(others)).every((r) => !r.peers.includes(victimKey)) ? true : null))
      await this.minerBesides(victim).mine(40 + round)
    } finally {
      victim.resume()
    }
    return this.rejoin(round, victim, before, 60 + round, 'heal')
  }

  private async rejoin(round: number, victim: ProcessPeer, before: PeerReport, miner: number, what: string): Promise<RoundResult> {
    const t0 = Date.now()
    await this.poll(`round ${round}: ${victim.name} back in the mesh after the ${what}`, CONVERGE_MS, () => this.meshed())
    const reconnectMs = Date.now() - t0
    await victim.mine(miner) // the node that was away contributes again
    const reports = await this.poll(`round ${round}: one tip after the ${what} of ${victim.name}`, CONVERGE_MS, () => this.converged(before.shares + 2))
    return { victim: victim.name, reconnectMs, convergeMs: Date.now() - t0, reports }
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) await n.stop().catch(() => {})
    await this.dht.stop()
    for (const d of this.dirs) await rm(d, { recursive: true, force: true })
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
