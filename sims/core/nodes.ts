import type { CoopParams } from '../../protocol/params.js'
import { encodeEntry } from '../../protocol/share.js'
import { ShareChain, type ShareRecord } from '../../src/sharechain/chain.js'
import { MemoryView } from '../../src/sharechain/memory-view.js'
import { ShareChainState, type Outcome, type WorkBase } from '../../src/sharechain/state.js'
import type { ViewEntry, ViewReader } from '../../src/sharechain/view.js'
import { CausalInbox } from './causal-inbox.js'
import type { Envelope } from './envelope.js'

/** A share a node refused, with the reason code its ShareChainState gave. */
export interface Rejection {
  seq: number
  id: string
  intent: Envelope['intent']
  reason: string
  detail: string
}

export interface DeliverResult {
  tipChanged: boolean
  /** The entry waits for a parent or uncle this node does not hold yet. */
  held: boolean
}

/** Wall-clock nanoseconds of each entry applied, by outcome (accepted, or the reject reason). */
export type ApplyTimings = Map<string, number[]>

/** What the simulation engine needs of a node, whichever way it validates. */
export interface SimNode {
  readonly index: number
  readonly tipHex: string | null
  /** The node's share-chain memo: records by id, expected bits, payout splits. */
  readonly chain: ShareChain
  readonly rejected: Rejection[]
  /** Entries waiting for a parent or uncle right now. */
  readonly heldCount: number
  has(id: string): boolean
  deliver(env: Envelope): Promise<DeliverResult>
  /** The entry's wait ran out: apply it now (its missing parent is then an unknown-parent). */
  expire(env: Envelope): Promise<boolean>
  /** The work base a job built on `parentHex` commits to, from this node's own view. */
  workBaseOn(parentHex: string | null): Promise<WorkBase>
}

export function genesisEntry(params: CoopParams): Uint8Array {
  return encodeEntry({ type: 'genesis', params })
}

/**
 * A node as the real one is: its own ShareChainState applying entries, one by one in its own
 * arrival order, to its own view; its tip is whatever that state's fork choice put in the view.
 */
export class FullNode implements SimNode {
  readonly view = new MemoryView()
  readonly state: ShareChainState
  readonly rejected: Rejection[] = []
  readonly timings: ApplyTimings | null
  tipHex: string | null = null
  private readonly known = new Set<string>()
  private readonly inbox = new CausalInbox((id) => this.known.has(id))

  constructor(
    readonly index: number,
    consensusId: Uint8Array,
    measure = false
  ) {
    this.state = new ShareChainState(consensusId)
    this.timings = measure ? new Map() : null
  }

  async init(params: CoopParams): Promise<void> {
    const [o] = await this.applyEntry(genesisEntry(params), 'genesis')
    if (o?.kind !== 'genesis') throw new Error(`node ${this.index}: genesis not accepted`)
  }

  get chain(): ShareChain {
    const c = this.state.shareChain
    if (c === null) throw new Error('node not initialised')
    return c
  }

  has(id: string): boolean {
    return this.known.has(id)
  }

  get heldCount(): number {
    return this.inbox.held
  }

  async deliver(env: Envelope): Promise<DeliverResult> {
    if (!this.inbox.offer(env)) return { tipChanged: false, held: true }
    return { tipChanged: await this.applyCascade(env), held: false }
  }

  async expire(env: Envelope): Promise<boolean> {
    if (!this.inbox.withdraw(env)) return false
    return this.applyCascade(env)
  }

  workBaseOn(parentHex: string | null): Promise<WorkBase> {
    return this.state.workBaseAt(this.view, parentHex).then((b) => {
      if (b === null) throw new Error('node has no genesis')
      return b
    })
  }

  /** Applies `first`, then everything it releases from the inbox, in order. */
  private async applyCascade(first: Envelope): Promise<boolean> {
    let tipChanged = false
    const queue = [first]
    for (let env = queue.shift(); env !== undefined; env = queue.shift()) {
      const [o] = await this.applyEntry(env.entry, `node-${env.origin}`)
      if (o === undefined) continue
      if (o.kind === 'share') {
        this.known.add(o.id)
        if (o.tipChanged) {
          this.tipHex = o.id
          tipChanged = true
        }
        queue.push(...this.inbox.release(o.id))
      } else if (o.kind === 'invalid') {
        this.rejected.push({ seq: env.seq, id: env.id, intent: env.intent, reason: o.reason, detail: o.detail })
      }
    }
    return tipChanged
  }

  private async applyEntry(value: Uint8Array, writer: string): Promise<Outcome[]> {
    const t0 = this.timings === null ? 0n : process.hrtime.bigint()
    const batch = this.view.batch()
    const outcomes = await this.state.apply(batch, [{ value, writer }])
    await batch.flush()
    if (this.timings !== null) {
      const o = outcomes[0]
      const key = o === undefined ? 'none' : o.kind === 'invalid' ? o.reason : 'accepted'
      const ns = Number(process.hrtime.bigint() - t0)
      const samples = this.timings.get(key)
      if (samples === undefined) this.timings.set(key, [ns])
      else samples.push(ns)
    }
    return outcomes
  }
}

/**
 * For very large networks (the scale scenario's 1,000 nodes): one real ShareChainState validates
 * each share once, when it is made, and light nodes share its verdicts. This is exact, not an
 * approximation: validity and every derived quantity depend only on a share and its ancestry
 * (chain.ts), which causal delivery guarantees a node holds before it applies the share. What stays
 * per node is what differs between nodes: which shares have arrived, what waits for a parent, the
 * tip (chosen by the real fork choice, ShareChain.isBetter) and the jobs, built by the real
 * workBaseAt through a view filtered to the node's own shares (so uncles are the node's own pick).
 */
export class SharedValidator {
  readonly node: FullNode

  constructor(consensusId: Uint8Array, measure: boolean) {
    this.node = new FullNode(-1, consensusId, measure)
  }

  init(params: CoopParams): Promise<void> {
    return this.node.init(params)
  }

  /** Validates a new share (its dependencies exist: they were made before it). */
  async validate(env: Envelope): Promise<boolean> {
    await this.node.deliver(env)
    return this.node.has(env.id)
  }
}

export class LightNode implements SimNode {
  readonly rejected: Rejection[] = []
  private tip: ShareRecord | undefined
  private readonly known = new Set<string>()
  private readonly inbox = new CausalInbox((id) => this.known.has(id))
  private readonly ownView: ViewReader

  constructor(
    readonly index: number,
    private readonly validator: SharedValidator
  ) {
    const shared = validator.node.view
    const known = this.known
    this.ownView = {
      async get(key: string): Promise<ViewEntry | null> {
        if (key.startsWith('share!') && !known.has(key.slice(6))) return null
        return shared.get(key)
      }
    }
  }

  get tipHex(): string | null {
    return this.tip?.idHex ?? null
  }

  get chain(): ShareChain {
    return this.validator.node.chain
  }

  has(id: string): boolean {
    return this.known.has(id)
  }

  get heldCount(): number {
    return this.inbox.held
  }

  async deliver(env: Envelope): Promise<DeliverResult> {
    if (!this.inbox.offer(env)) return { tipChanged: false, held: true }
    return { tipChanged: this.applyCascade(env), held: false }
  }

  async expire(env: Envelope): Promise<boolean> {
    if (!this.inbox.withdraw(env)) return false
    return this.applyCascade(env)
  }

  workBaseOn(parentHex: string | null): Promise<WorkBase> {
    return this.validator.node.state.workBaseAt(this.ownView, parentHex).then((b) => {
      if (b === null) throw new Error('validator has no genesis')
      return b
    })
  }

  private applyCascade(first: Envelope): boolean {
    let tipChanged = false
    const queue = [first]
    for (let env = queue.shift(); env !== undefined; env = queue.shift()) {
      const record = this.validator.node.has(env.id) ? this.chain.get(env.id) : undefined
      if (record === undefined || this.known.has(env.id)) {
        this.rejected.push({ seq: env.seq, id: env.id, intent: env.intent, reason: record === undefined ? 'rejected-by-validator' : 'duplicate', detail: '' })
        continue
      }
      this.known.add(env.id)
      if (this.chain.isBetter(record, this.tip)) {
        this.tip = record
        tipChanged = true
      }
      queue.push(...this.inbox.release(env.id))
    }
    return tipChanged
  }
}
