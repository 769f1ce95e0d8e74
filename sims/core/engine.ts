import { bitsToTarget, targetToWork } from '../../src/bitcoin/target.js'
import type { BlockFields } from '../../src/sharechain/build.js'
import { ShareChain } from '../../src/sharechain/chain.js'
import { checkStage1 } from '../../src/sharechain/validate.js'
import type { CoopParams } from '../../protocol/params.js'
import { shareEnvelope, type Envelope, type FloodKind } from './envelope.js'
import { EventQueue } from './event-queue.js'
import { craftInvalid } from './flood.js'
import { mintShare, simBlockFields } from './mint.js'
import { makeLatency, type Latency, type LatencySpec } from './latency.js'
import { FullNode, LightNode, SharedValidator, type ApplyTimings, type SimNode } from './nodes.js'
import { Rng } from './rng.js'
import { COINBASE_VALUE, makeScale, SIM_GENESIS_TIME, type Scale } from './scaling.js'
import { payoutScript } from './scripts.js'

/**
 * The discrete-event simulator. Nodes hold real share-chain state; miners find shares at virtual
 * rates (scaling.ts) and build them on their node's view through the real job code (workBaseAt,
 * makeShareJob, jobMerkleRoot, shareFromSolution); each share reaches every other node after a
 * seeded latency and is applied there in arrival order, waiting for its parent and uncles when
 * they have not arrived (causal delivery). The simulator decides nothing a rule decides: validity,
 * targets, uncles, tips and payouts all come from src/sharechain.
 */

/** How a miner deviates from the protocol, from `attackStart` on. */
export type MinerBehaviour =
  /** Builds on its node's tip and publishes everything. */
  | 'honest'
  /** Discards every share that is also a block (block withholding): keeps share credit, costs the cooperative blocks. */
  | 'withhold-blocks'
  /** Builds only on its own latest share, ignoring everyone else's (share-chain selfish mining). */
  | 'own-shares-only'

export interface MinerSpec {
  node: number
  /** Real hashrate, H/s. */
  hashrate: number
  script: Uint8Array
  behaviour?: MinerBehaviour
}

export interface FloodSpec {
  /** The attacker's node (it mines nothing; it only receives shares and injects invalid ones). */
  node: number
  ratePerSecond: number
  kinds: readonly FloodKind[]
  start: number
  end: number
}

export interface SimConfig {
  seed: number
  params: CoopParams
  nodeCount: number
  miners: MinerSpec[]
  latency: LatencySpec
  /** Simulated seconds during which miners mine; in-flight shares are delivered after it. */
  duration: number
  /** Real Bitcoin network hashrate (H/s); with the cooperative's, it fixes the block odds. */
  networkHashrate: number
  coinbaseValue?: bigint
  /** 'full': every node its own ShareChainState and view; 'shared': one validator, light nodes (nodes.ts). */
  nodeMode?: 'full' | 'shared'
  /** Levels of the coinbase's merkle branch (transactions in the template ~ 2^depth). */
  merkleDepth?: number
  attackStart?: number
  flood?: FloodSpec
  /** Seconds an entry waits for a missing parent or uncle before it is applied anyway. */
  pendingTimeout?: number
  /** Record wall-clock apply times (the flood and scale scenarios). */
  measureWallClock?: boolean
}

/** One share a miner found, published or not. */
export interface ProducedShare {
  seq: number
  id: string
  miner: number
  node: number
  height: number
  /** Simulated seconds since genesis when it was found. */
  foundAt: number
  target: bigint
  isBlock: boolean
  published: boolean
  encodedBytes: number
  uncles: number
  /** Simulated seconds until the last other node received it (0 when withheld or alone). */
  reachedAllAfter: number
}

export interface SimRun {
  config: SimConfig
  scale: Scale
  produced: ProducedShare[]
  injected: Envelope[]
  nodes: SimNode[]
  /** A node holding every published share once the network drained (node 0, or the shared validator). */
  auditor: FullNode
  /** Simulated time when the last entry was delivered. */
  drainedAt: number
  /** Largest number of entries any node held waiting for a parent at once. */
  maxHeld: number
}

type SimEvent = { kind: 'find'; miner: number; generation: number } | { kind: 'arrive'; node: number; env: Envelope } | { kind: 'expire'; node: number; env: Envelope } | { kind: 'flood' }

interface MinerState {
  spec: MinerSpec
  rng: Rng
  virtualHashrate: number
  generation: number
  shares: number
  /** Latest own share (for 'own-shares-only'). */
  ownTip: string | null
}

export async function runSimulation(config: SimConfig): Promise<SimRun> {
  const sim = new Simulation(config)
  await sim.run()
  return sim.result()
}

class Simulation {
  private readonly queue = new EventQueue<SimEvent>()
  private readonly nodes: SimNode[]
  private readonly validator: SharedValidator | null
  private readonly miners: MinerState[]
  private readonly minersAt: number[][]
  private readonly latency: Latency
  private readonly scale: Scale
  private readonly block: BlockFields
  private readonly produced: ProducedShare[] = []
  private readonly injected: Envelope[] = []
  private readonly targetAfter = new Map<string, bigint>()
  private readonly floodRng: Rng
  /** Published shares with when they were found: the flood replays settled ones. */
  private readonly history: { env: Envelope; at: number }[] = []
  private seq = 0
  private now = 0
  private maxHeld = 0

  constructor(private readonly config: SimConfig) {
    const { params, nodeCount, seed } = config
    if (config.miners.some((m) => m.node < 0 || m.node >= nodeCount)) throw new RangeError('a miner is attached to a node that does not exist')
    const id = new ShareChain(params).consensusId
    const measure = config.measureWallClock === true
    if (config.nodeMode === 'shared') {
      const validator = new SharedValidator(id, measure)
      this.validator = validator
      this.nodes = Array.from({ length: nodeCount }, (_, i) => new LightNode(i, validator))
    } else {
      this.validator = null
      this.nodes = Array.from({ length: nodeCount }, (_, i) => new FullNode(i, id, measure))
    }
    const coopHashrate = config.miners.reduce((s, m) => s + m.hashrate, 0)
    this.scale = makeScale(params, coopHashrate, config.networkHashrate)
    this.miners = config.miners.map((spec, i) => ({ spec, rng: Rng.stream(seed, `miner/${i}`), virtualHashrate: spec.hashrate * this.scale.virtualPerReal, generation: 0, shares: 0, ownTip: null }))
    this.minersAt = Array.from({ length: nodeCount }, () => [])
    this.miners.forEach((m, i) => this.minersAt[m.spec.node]?.push(i))
    this.latency = makeLatency(config.latency, nodeCount, seed)
    this.floodRng = Rng.stream(seed, 'flood')
    this.block = simBlockFields(Rng.stream(seed, 'template'), config.coinbaseValue ?? COINBASE_VALUE, config.merkleDepth ?? 2)
  }

  async run(): Promise<void> {
    if (this.validator !== null) await this.validator.init(this.config.params)
    for (const n of this.nodes) if (n instanceof FullNode) await n.init(this.config.params)
    for (let i = 0; i < this.miners.length; i++) this.schedule(i)
    const flood = this.config.flood
    if (flood !== undefined) this.queue.push(flood.start, { kind: 'flood' })

    for (let slot = this.queue.pop(); slot !== undefined; slot = this.queue.pop()) {
      this.now = slot.time
      const ev = slot.event
      if (ev.kind === 'find') {
        const m = this.miners[ev.miner] as MinerState
        if (ev.generation === m.generation && this.now <= this.config.duration) await this.onFind(ev.miner)
      } else if (ev.kind === 'arrive') {
        await this.deliver(ev.node, ev.env)
      } else if (ev.kind === 'expire') {
        const node = this.nodes[ev.node] as SimNode
        if (await node.expire(ev.env)) this.rescheduleNode(ev.node)
      } else if (flood !== undefined && this.now <= flood.end) {
        await this.onFlood(flood)
        this.queue.push(this.now + this.floodRng.exp(1 / flood.ratePerSecond), { kind: 'flood' })
      }
    }
  }

  result(): SimRun {
    const auditor = this.validator?.node ?? this.nodes[0]
    if (!(auditor instanceof FullNode)) throw new Error('no full node to audit with')
    return { config: this.config, scale: this.scale, produced: this.produced, injected: this.injected, nodes: this.nodes, auditor, drainedAt: this.now, maxHeld: this.maxHeld }
  }

  /** The parent miner `i` builds its next share on. */
  private jobParent(i: number): string | null {
    const m = this.miners[i] as MinerState
    const tip = (this.nodes[m.spec.node] as SimNode).tipHex
    if (m.spec.behaviour === 'own-shares-only' && this.attacking()) return m.ownTip ?? tip
    return tip
  }

  private attacking(): boolean {
    return this.now >= (this.config.attackStart ?? 0)
  }

  /** Draws miner `i`'s next find from now: memoryless, so redrawing whenever its job changes is exact. */
  private schedule(i: number): void {
    const m = this.miners[i] as MinerState
    m.generation++
    const node = this.nodes[m.spec.node] as SimNode
    const work = Number(targetToWork(this.nextTarget(node, this.jobParent(i))))
    this.queue.push(this.now + m.rng.exp(work / m.virtualHashrate), { kind: 'find', miner: i, generation: m.generation })
  }

  private rescheduleNode(node: number): void {
    for (const i of this.minersAt[node] ?? []) this.schedule(i)
  }

  /** The target the retarget rule sets for a child of `parentHex` (memoized: it depends only on ancestry). */
  private nextTarget(node: SimNode, parentHex: string | null): bigint {
    const key = parentHex ?? ''
    let target = this.targetAfter.get(key)
    if (target === undefined) {
      const parent = parentHex === null ? undefined : node.chain.get(parentHex)
      target = bitsToTarget(node.chain.expectedBits(parent))
      this.targetAfter.set(key, target)
    }
    return target
  }

  private async onFind(i: number): Promise<void> {
    const m = this.miners[i] as MinerState
    const node = this.nodes[m.spec.node] as SimNode
    const base = await node.workBaseOn(this.jobParent(i))
    const share = mintShare({ base, block: this.block, script: m.spec.script, miner: i, counter: ++m.shares, time: Math.max(SIM_GENESIS_TIME + Math.floor(this.now), base.minTime), blockBits: this.scale.blockBits })
    const { isBlock } = checkStage1(node.chain, share)
    const withheld = isBlock && m.spec.behaviour === 'withhold-blocks' && this.attacking()
    const env = shareEnvelope(this.seq++, share, m.spec.node, i, 'honest')
    this.produced.push({ seq: env.seq, id: env.id, miner: i, node: m.spec.node, height: share.height, foundAt: this.now, target: bitsToTarget(share.shareBits), isBlock, published: !withheld, encodedBytes: env.entry.length, uncles: share.uncles.length, reachedAllAfter: 0 })
    if (withheld) {
      this.schedule(i)
      return
    }
    if (m.spec.behaviour === 'own-shares-only' && this.attacking()) m.ownTip = env.id
    if (this.validator !== null && !(await this.validator.validate(env))) throw new Error(`the simulator built an invalid share: ${JSON.stringify(this.validator.node.rejected.at(-1))}`)
    this.history.push({ env, at: this.now })
    const record = this.produced.at(-1) as ProducedShare
    record.reachedAllAfter = this.broadcast(env)
    const { tipChanged } = await node.deliver(env)
    if (tipChanged) this.rescheduleNode(m.spec.node)
    else this.schedule(i)
  }

  private async onFlood(flood: FloodSpec): Promise<void> {
    const node = this.nodes[flood.node]
    if (!(node instanceof FullNode)) throw new Error('the flood needs a full node')
    const kind = flood.kinds[this.injected.length % flood.kinds.length] as FloodKind
    const env = await craftInvalid(kind, { node, rng: this.floodRng, block: this.block, blockBits: this.scale.blockBits, script: payoutScript(999_999), time: SIM_GENESIS_TIME + Math.floor(this.now), seq: this.seq++, lastHonest: this.settledShare() })
    this.injected.push(env)
    this.broadcast(env)
  }

  /** The newest published share found at least a minute ago: every node holds it by now. */
  private settledShare(): Envelope | null {
    for (let i = this.history.length - 1; i >= 0; i--) {
      const h = this.history[i] as { env: Envelope; at: number }
      if (h.at <= this.now - 60) return h.env
    }
    return null
  }

  /** Sends `env` to every other node; returns the longest delay. */
  private broadcast(env: Envelope): number {
    let longest = 0
    for (let j = 0; j < this.nodes.length; j++) {
      if (j === env.origin) continue
      const delay = this.latency.delay(env.origin, j)
      longest = Math.max(longest, delay)
      this.queue.push(this.now + delay, { kind: 'arrive', node: j, env })
    }
    return longest
  }

  private async deliver(j: number, env: Envelope): Promise<void> {
    const node = this.nodes[j] as SimNode
    const { tipChanged, held } = await node.deliver(env)
    if (held) {
      this.maxHeld = Math.max(this.maxHeld, node.heldCount)
      this.queue.push(this.now + (this.config.pendingTimeout ?? 120), { kind: 'expire', node: j, env })
    }
    if (tipChanged) this.rescheduleNode(j)
  }
}

export function applyTimings(run: SimRun): ApplyTimings[] {
  return run.nodes.filter((n): n is FullNode => n instanceof FullNode).flatMap((n) => (n.timings === null ? [] : [n.timings]))
}
