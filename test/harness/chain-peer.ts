/**
 * A share-chain peer over real sockets: the data dir's Corestore (openCoopStore), the cooperative's
 * Autobase running the real share-chain apply (createShareApply + applyAdminOp), and a CoopSwarm on
 * a loopback DHT testnet. For the coop integration tests with real shares, the coop benchmark and
 * the kill -9 child process (`runAppendChild`).
 *
 * Close order: swarm, base, store (what `stop` does). Temp data dirs made here are deleted by
 * `destroy`; each Corestore pre-allocates ~75 MB.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Autobase from 'autobase'
import { applyAdminOp } from '../../src/coop/admin-op.js'
import { CoopBase, type ApplyFn } from '../../src/coop/base.js'
import { waitForConvergence } from '../../src/coop/converge.js'
import type { DhtChoice } from '../../src/coop/dht-options.js'
import type { CoopLogger, LogFields } from '../../src/coop/log.js'
import { openCoopStore, type CoopStore } from '../../src/coop/store.js'
import { CoopSwarm, type RelayVerdict } from '../../src/coop/swarm.js'
import { fromHex, toHex } from '../../src/bitcoin/bytes.js'
import { encodeHeader, headerHash, type BlockHeader } from '../../src/bitcoin/header.js'
import { bitsToTarget, hashToBigInt } from '../../src/bitcoin/target.js'
import type { TxOutput } from '../../src/bitcoin/coinbase.js'
import { consensusId as computeConsensusId, type CoopParams } from '../../protocol/params.js'
import { decodeEntry, encodeEntry, type Share } from '../../protocol/share.js'
import { asViewLike, createShareApply, openShareView, type ShareView } from '../../src/sharechain/autobase.js'
import { jobMerkleRoot, makeShareJob, shareFromSolution, type BlockFields } from '../../src/sharechain/build.js'
import { ShareChainState } from '../../src/sharechain/state.js'
import { checkStage1, ShareRejected } from '../../src/sharechain/validate.js'
import { KEY, RANGE, type InvalidValue, type ShareValue, type StatsValue, type TipValue, type ViewLike } from '../../src/sharechain/view.js'
import { mineShare, minerScript, NEVER_A_BLOCK_BITS, type MineOptions } from './sharechain.js'

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  msg: string
  fields: LogFields
}

function recorder(name: string, lines: LogLine[]): CoopLogger {
  const echo = process.env.COOP_TEST_LOG === '1'
  const rec = (level: LogLine['level']) => (fields: LogFields, msg: string) => {
    lines.push({ level, msg, fields })
    if (echo) console.log(`[${name}] ${level} ${msg}`)
  }
  return { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') }
}

/** Where a peer's swarms get their DHT node: a fresh one per swarm (a closed swarm destroys its node). */
export interface DhtSource {
  choice(): DhtChoice
}

/**
 * What this process's apply saw of one optimistic append (a non-writer's value). Autobase hands
 * each optimistic node to apply alone; it keeps the node only if apply acknowledged it, otherwise it
 * rolls the view back. This is an observation of the local process, not consensus state: Autobase
 * may re-apply, so a node can be seen more than once.
 */
export interface OptimisticSeen {
  writer: string
  /** The node's position in the writer's input core (1-based length after it). */
  length: number
  acked: boolean
}

export interface ChainPeerOptions {
  name: string
  /** The join key's consensus id (every peer's ShareChainState checks the genesis against it). */
  consensusId: Uint8Array
  /** Found a new cooperative: append its genesis record (only with bootstrapKey null and a fresh dir). */
  found?: CoopParams
  bootstrapKey: Uint8Array | null
  dht: DhtSource
  /** Reuse a data dir (restart); default: a new temp dir that `destroy` deletes. */
  dataDir?: string
  /** Serve relays from non-writers with the stage-1 share check (default false). */
  relay?: boolean
  /** Indexer ack interval in ms (Autobase default 1000). */
  ackInterval?: number
  /** Do not start a swarm (default: start one). */
  offline?: boolean
}

/**
 * The relay check of a writer: stage 1 (context-free), then wait (bounded) until our view holds
 * the share's parent. Our append carries our causal heads, not the relayer's: appended before the
 * parent is in our view, the share could be linearized before its parent ('unknown-parent').
 */
export function shareRelayCheck(state: ShareChainState, base: CoopBase<ShareView>, parentWaitMs = 5000): (value: Uint8Array) => Promise<RelayVerdict> {
  const view = asViewLike(base.view)
  return async (value) => {
    let entry
    try {
      entry = decodeEntry(value)
    } catch (err) {
      return `malformed: ${err instanceof Error ? err.message : String(err)}`
    }
    if (entry.type !== 'share') return 'not a share'
    const chain = state.shareChain
    if (chain === null) return 'no genesis yet'
    try {
      checkStage1(chain, entry.share)
    } catch (err) {
      if (err instanceof ShareRejected) return err.reason
      throw err
    }
    if (entry.share.height === 0) return true
    const parentKey = KEY.share(toHex(entry.share.parent))
    try {
      await whenView(base, async () => (await view.get(parentKey)) !== null, 'the relayed share parent', parentWaitMs)
    } catch {
      return 'unknown-parent'
    }
    return true
  }
}

export const shareIdHex = (s: Share): string => toHex(headerHash(s.header))

export class ChainPeer {
  swarm: CoopSwarm | null = null
  readonly view: ViewLike

  private stopping: Promise<void> | null = null

  private constructor(
    readonly name: string,
    readonly dataDir: string,
    private readonly ownsDir: boolean,
    readonly store: CoopStore,
    readonly base: CoopBase<ShareView>,
    readonly state: ShareChainState,
    readonly logs: LogLine[],
    /** Every optimistic append this process's apply saw, and whether it was acknowledged. */
    readonly optimisticSeen: OptimisticSeen[],
    private readonly log: CoopLogger,
    private readonly opts: ChainPeerOptions
  ) {
    this.view = asViewLike(base.view)
  }

  static async start(opts: ChainPeerOptions): Promise<ChainPeer> {
    if (opts.found && (opts.bootstrapKey !== null || opts.dataDir !== undefined)) {
      throw new Error('found a cooperative only in a fresh data dir with bootstrapKey null')
    }
    if (opts.found && toHex(computeConsensusId(opts.found)) !== toHex(opts.consensusId)) {
      throw new Error('the genesis parameters do not hash to the consensus id')
    }
    const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), `hashcoop-${opts.name}-`)))
    const logs: LogLine[] = []
    const log = recorder(opts.name, logs)
    const store = await openCoopStore(dataDir)
    const state = new ShareChainState(opts.consensusId)
    const seen: OptimisticSeen[] = []
    let base: CoopBase<ShareView>
    try {
      base = await CoopBase.open<ShareView>({
        store: store.store,
        bootstrapKey: opts.bootstrapKey,
        open: openShareView,
        apply: spyOptimistic(createShareApply(state, { onAdmin: applyAdminOp }), seen),
        wrapAdminOp: (payload) => encodeEntry({ type: 'admin', payload }),
        log,
        ...(opts.ackInterval === undefined ? {} : { ackInterval: opts.ackInterval })
      })
    } catch (err) {
      await store.close()
      if (opts.dataDir === undefined) await rm(dataDir, { recursive: true, force: true })
      throw err
    }
    const peer = new ChainPeer(opts.name, dataDir, opts.dataDir === undefined, store, base, state, logs, seen, log, opts)
    try {
      if (opts.found) await base.append(encodeEntry({ type: 'genesis', params: opts.found }))
      if (!opts.offline) await peer.heal()
    } catch (err) {
      await peer.destroy()
      throw err
    }
    return peer
  }

  get writerKey(): string {
    return toHex(this.base.localKey)
  }

  /** Join the cooperative's topic with a new swarm (same network identity: the store's key pair). */
  async heal(): Promise<void> {
    if (this.swarm !== null) return
    this.swarm = await CoopSwarm.start({
      base: this.base as CoopBase<unknown>,
      consensusId: this.opts.consensusId,
      dht: this.opts.dht.choice(),
      keyPair: await this.store.store.createKeyPair('hashcoop-swarm'),
      log: this.log,
      ...(this.opts.relay ? { checkRelayed: shareRelayCheck(this.state, this.base) } : {})
    })
  }

  /** Cut this peer off: close its swarm (every connection). The base keeps working locally. */
  async partition(): Promise<void> {
    const swarm = this.swarm
    this.swarm = null
    await swarm?.close()
  }

  /**
   * Download the whole view and system core. A node that joined by fast-forward holds them
   * sparsely and fetches blocks from peers when it reads them: offline it would wait forever.
   */
  async downloadAll(): Promise<void> {
    for (const core of [this.base.view.core, this.base.autobase.core]) await core.download({ start: 0, end: core.length }).done()
  }

  get peerCount(): number {
    return this.swarm?.peerCount ?? 0
  }

  async tip(): Promise<TipValue | null> {
    return ((await this.view.get(KEY.tip))?.value as TipValue | undefined) ?? null
  }

  async share(idHex: string): Promise<ShareValue | null> {
    return ((await this.view.get(KEY.share(idHex)))?.value as ShareValue | undefined) ?? null
  }

  async stats(): Promise<StatsValue | null> {
    return ((await this.view.get(KEY.stats))?.value as StatsValue | undefined) ?? null
  }

  async invalid(): Promise<InvalidValue[]> {
    const out: InvalidValue[] = []
    for await (const e of this.view.createReadStream(RANGE.invalid)) out.push(e.value as InvalidValue)
    return out
  }

  /** Mines a real share on this peer's own view (its tip unless opts.parent). Does not append it. */
  async mine(script: Uint8Array, opts: MineOptions = {}): Promise<Share> {
    await this.base.update()
    return mineShare(this.state, this.view, script, opts)
  }

  /** Appends as a writer when writable, else as an optimistic append (kept only if valid). */
  async appendShare(share: Share): Promise<string> {
    const entry = encodeEntry({ type: 'share', share })
    if (this.base.writable) await this.base.append(entry)
    else await this.base.appendOptimistic(entry)
    return shareIdHex(share)
  }

  async mineAndAppend(script: Uint8Array, opts: MineOptions = {}): Promise<{ share: Share; id: string }> {
    const share = await this.mine(script, opts)
    return { share, id: await this.appendShare(share) }
  }

  /** Close swarm, base, store; keep the data dir. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.partition()
      await this.base.close()
      await this.store.close()
    })()
    return this.stopping
  }

  /** stop, and delete the data dir if this peer created it. */
  async destroy(): Promise<void> {
    await this.stop()
    if (this.ownsDir) await rm(this.dataDir, { recursive: true, force: true })
  }
}

/** Wraps apply to record, per optimistic node, whether apply acknowledged it (see OptimisticSeen). */
function spyOptimistic(inner: ApplyFn<ShareView>, seen: OptimisticSeen[]): ApplyFn<ShareView> {
  return async (nodes, view, host) => {
    const node = nodes.length === 1 && nodes[0]?.optimistic ? nodes[0] : undefined
    if (node === undefined) return inner(nodes, view, host)
    let acked = false
    const spy: Autobase.ApplyHost = {
      get key() {
        return host.key
      },
      get discoveryKey() {
        return host.discoveryKey
      },
      get system() {
        return host.system
      },
      addWriter: (key, o) => host.addWriter(key, o),
      removeWriter: (key) => host.removeWriter(key),
      removeable: (key) => host.removeable(key),
      interrupt: (reason) => host.interrupt(reason),
      ackWriter: async (key) => {
        acked = true
        await host.ackWriter(key)
      }
    }
    await inner(nodes, view, spy)
    seen.push({ writer: toHex(node.from.key), length: node.length, acked })
  }
}

export interface ChainConvergence {
  hash: string
  tip: TipValue
}

/**
 * Resolves once every peer has the same system-core hash and the same `tip` (and `until` holds).
 * Polls through waitForConvergence, which calls update() on each base.
 */
export async function waitForChainConvergence(
  peers: readonly ChainPeer[],
  opts: { timeoutMs?: number; until?: () => Promise<boolean> } = {}
): Promise<ChainConvergence> {
  let tip: TipValue | null = null
  const hash = await waitForConvergence(
    peers.map((p) => p.base as CoopBase<unknown>),
    {
      timeoutMs: opts.timeoutMs ?? 30_000,
      until: async () => {
        const tips = await Promise.all(peers.map((p) => p.tip()))
        const first = tips[0]
        if (first === null || first === undefined) return false
        if (!tips.every((t) => t !== null && t.id === first.id && t.cumWork === first.cumWork)) return false
        tip = first
        return opts.until ? opts.until() : true
      }
    }
  )
  if (tip === null) throw new Error('unreachable: converged without a tip')
  return { hash, tip }
}

/**
 * Resolves when `check` holds on the peer's view, re-checking on each of the base's 'update'
 * events (no sleeping); rejects after timeoutMs.
 */
export function onViewUntil(peer: ChainPeer, check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  return whenView(peer.base, check, `${peer.name}: ${what}`, timeoutMs)
}

/** onViewUntil for a bare base. */
export function whenView(base: CoopBase<ShareView>, check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const autobase = base.autobase
  return new Promise<void>((resolve, reject) => {
    let running = false
    let again = false
    let done = false
    const finish = (err: Error | null) => {
      if (done) return
      done = true
      clearTimeout(timer)
      autobase.off('update', onUpdate)
      if (err) reject(err)
      else resolve()
    }
    const run = async () => {
      if (running) return void (again = true)
      running = true
      try {
        do {
          again = false
          if (await check()) return finish(null)
        } while (again && !done)
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)))
      } finally {
        running = false
      }
    }
    const onUpdate = () => void run()
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}`)), timeoutMs)
    autobase.on('update', onUpdate)
    void run()
  })
}

/**
 * Grinds a share like mineShare, but whose coinbase pays `payouts(honest split)` instead of the
 * split the chain dictates: everything else (parent, bits, time, uncles, commitment) is right, so
 * stage 1 passes and stage 2 must reject it with 'bad-merkle-root'.
 */
export async function mineShareWithPayouts(
  peer: ChainPeer,
  script: Uint8Array,
  payouts: (honest: TxOutput[]) => TxOutput[]
): Promise<Share> {
  await peer.base.update()
  const tipId = (await peer.tip())?.id ?? null
  const base = await peer.state.workBaseAt(peer.view, tipId)
  if (base === null) throw new Error('no genesis')
  const honest = base.payouts.bind(base)
  base.payouts = (finder, value) => {
    const split = honest(finder, value)
    return { ...split, outputs: payouts(split.outputs) }
  }
  const block: BlockFields = { blockHeight: 1000 + base.height, coinbaseValue: 5_000_000_000n, witnessCommitment: null, merkleBranch: [], tag: new TextEncoder().encode('/test/') }
  const job = makeShareJob(base, block, script, 8)
  const extranonce = new Uint8Array(8).fill(0xbd)
  const params = base.chain.params
  const target = bitsToTarget(base.shareBits)
  const header: BlockHeader = {
    version: 0x20000000,
    prevHash: new Uint8Array(32).fill(7),
    merkleRoot: jobMerkleRoot(job, extranonce),
    time: base.parent === null ? params.createdAt + params.shareInterval : base.parent.time + params.shareInterval,
    bits: NEVER_A_BLOCK_BITS,
    nonce: 0
  }
  return shareFromSolution(job, extranonce, grind(encodeHeader(header), (h) => h <= target))
}

/** The same share with its nonce changed until its hash misses the share target ('high-hash'). */
export function withBadNonce(share: Share): Share {
  const target = bitsToTarget(share.shareBits)
  const header = share.header.slice()
  const start = new DataView(header.buffer).getUint32(76, true) + 1
  new DataView(header.buffer).setUint32(76, start, true)
  return { ...share, header: grind(header, (h) => h > target) }
}

/** Increments the header nonce (from its current value) until `accept(hash)`. */
function grind(header: Uint8Array, accept: (hash: bigint) => boolean): Uint8Array {
  const dv = new DataView(header.buffer, header.byteOffset, header.byteLength)
  for (let nonce = dv.getUint32(76, true); ; nonce++) {
    dv.setUint32(76, nonce >>> 0, true)
    if (accept(hashToBigInt(headerHash(header)))) return header
    if (nonce === 0xffffffff) throw new Error('nonce space exhausted')
  }
}

export interface AppendChildArgs {
  dataDir: string
  bootstrapKey: string
  consensusId: string
  minerIndex: number
}

/**
 * The kill -9 child process: reopens a writer's data dir offline, prints `writer <key>`, checks it
 * is still a writer (`writable`), then mines real shares on its own view and appends them forever,
 * printing `appended <id>` only after `await append` returned.
 * Offline because this test is about durability, not the network: a new process's first dial to a
 * long-running peer can open on its side only (the other end never surfaces it); CoopSwarm now
 * drops such a silent connection after 4 s and redials (src/coop/liveness.ts), and
 * test/integration/coop/reconnect-processes.test.ts covers online restarts. The restarted node
 * rejoins in-process.
 * Started as `node --import tsx --input-type=module -e "...runAppendChild(JSON.parse(...))" JSON`.
 */
export async function runAppendChild(args: AppendChildArgs): Promise<never> {
  const offline: DhtSource = {
    choice: () => {
      throw new Error('the append child runs offline')
    }
  }
  const peer = await ChainPeer.start({ name: 'child', consensusId: fromHex(args.consensusId), bootstrapKey: fromHex(args.bootstrapKey), dht: offline, dataDir: args.dataDir, offline: true })
  process.stdout.write(`writer ${peer.writerKey}\n`)
  if (!peer.base.writable) throw new Error('the data dir is not a writer of the cooperative')
  process.stdout.write('writable\n')
  const script = minerScript(args.minerIndex)
  for (;;) {
    const share = await peer.mine(script)
    await peer.base.append(encodeEntry({ type: 'share', share }))
    process.stdout.write(`appended ${shareIdHex(share)}\n`)
  }
}
