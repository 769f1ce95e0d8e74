import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import { toHex } from '../bitcoin/bytes.js'
import { RpcClient, type RpcAuth } from '../bitcoin/rpc.js'
import { TemplateSource } from '../bitcoin/template-source.js'
import type { NetworkName } from '../bitcoin/networks.js'
import { CoopBase, CoopSwarm, decodeJoinKey, encodeJoinKey, openCoopStore, silentLogger, type CoopLogger, type CoopStore, type DhtChoice, type JoinKey } from '../coop/index.js'
import { applyAdminOp } from '../coop/admin-op.js'
import { consensusId as computeConsensusId, defaultParams, type CoopParams, type ParamsOverrides } from '../../protocol/params.js'
import { decodeEntry, encodeEntry } from '../../protocol/share.js'
import { MEMO_SHARES, ShareChainState } from '../sharechain/state.js'
import { asViewLike, createShareApply, openShareView, type ShareView } from '../sharechain/autobase.js'
import { checkStage1, ShareRejected } from '../sharechain/validate.js'
import { KEY, type ViewLike } from '../sharechain/view.js'
import { StratumServer } from '../stratum/index.js'
import type { StratumServerOptions } from '../stratum/types.js'
import { WorkManager } from '../work/manager.js'
import { FoundBlocks } from '../blocks/found-blocks.js'
import { blockLogLine } from '../blocks/messages.js'
import { foundBlocksPath } from '../blocks/store.js'
import { WorkerStats } from '../stats/worker-stats.js'
import { CutOffMonitor, type ReachState } from '../coop/cut-off.js'
import { readCoopFile, writeCoopFile } from './coop-file.js'
import { appendOrHold, blockShareId, HeldBlocks } from './held-blocks.js'
import { dayOfSharesBytes, StorageWatch, type StorageStatus } from './storage-watch.js'
import { clearRestoredMarker, guardRestoredWriter, readRestoredMarker } from './restored-guard.js'
import { localWriterKey } from '../coop/store.js'
import { backupOpenStore, type BackupResult } from './backup.js'

/**
 * A hashcoop node: the composition of every layer (DESIGN.md "Layers and data flow").
 *   bitcoind -> TemplateSource -> WorkManager -> StratumServer -> miners
 *   miners -> StratumServer -> WorkManager -> submitblock (blocks) and the cooperative's log (shares)
 *   the log <-> CoopSwarm (peers) ; Autobase apply -> ShareChainState -> the view -> WorkManager
 */
export interface NodeConfig {
  dataDir: string
  /** The cooperative to join; omitted: the one this data dir already belongs to (coop.json). */
  joinKey?: string
  bitcoind: {
    url: string
    auth?: RpcAuth
    zmqUrl?: string
    pollIntervalMs?: number
    refreshIntervalMs?: number
    /** Liveness probe interval and deadline (template-source.ts); defaults pollIntervalMs (500 ms) and 1000 ms. */
    livenessIntervalMs?: number
    livenessTimeoutMs?: number
    /** With bitcoind lost, share work older than this (ms since bitcoind last confirmed its tip) is refused. Default 5000. */
    staleWorkMs?: number
    /** Status checks and resubmissions of found blocks. Default 10 s. */
    blockCheckIntervalMs?: number
  }
  stratum: { host: string; port: number } & Partial<Omit<StratumServerOptions, 'network' | 'onSolution' | 'host' | 'port'>>
  dht: DhtChoice
  /** Coinbase tag (<= 32 bytes). Default "/hashcoop/". */
  tag?: string
  /** How long to wait for the genesis record from peers when joining. Default 60 s. */
  genesisTimeoutMs?: number
  /** Per-worker accounting saved in the data dir (src/stats/). */
  workerStats?: { saveIntervalMs?: number; maxWorkers?: number }
  /** Cut-off detection (src/coop/cut-off.ts): no-writer grace and append stall bound, ms. */
  cutOff?: { graceMs?: number; appendStallMs?: number }
  /**
   * A restored data dir (restored-guard.ts): go on when no member answers within the wait, the
   * operator vouching that the backup holds everything this node wrote. Default false: refuse.
   */
  restoredAlone?: boolean
  /** How long a restored node looks for the cooperative's members before it refuses. Default 30 s. */
  restoredWaitMs?: number
  logger?: CoopLogger
}

export class NodeError extends Error {
  override name = 'NodeError'
}

export interface NodeEvents {
  share: [event: { id: string; address: string; worker: string; height: number }]
  block: [event: { hash: string; height: number; accepted: boolean; reason: string | null; status: string | null; address: string }]
  tip: [tip: { id: string; height: number }]
  reach: [state: ReachState]
  /** The data dir's disk failed: the node is stopping (it emits this once, then stops by itself). */
  fatal: [event: { reason: string }]
  /** Free space fell under a day of shares (low) or rose back above it. */
  disk: [status: StorageStatus]
}

/** What a running node is made of (HashcoopNode.start builds them in order). */
interface NodeParts {
  config: NodeConfig
  joinKey: string
  params: CoopParams
  store: CoopStore
  base: CoopBase<ShareView>
  state: ShareChainState
  swarm: CoopSwarm
  rpc: RpcClient
  templates: TemplateSource
  stratum: StratumServer
  work: WorkManager
  foundBlocks: FoundBlocks
  workerStats: WorkerStats
  reach: CutOffMonitor
  heldBlocks: HeldBlocks
  storage: StorageWatch
  log: CoopLogger
}

/**
 * Coinbase budget reserved in templates: the larger of maxOutputs outputs of the largest standard
 * kind (the full class) and the largest byte class (SPEC.md §7.6), whose outputs are at least 31 B.
 */
function coinbaseReservation(params: CoopParams): { reservedWeight: number; reservedSigops: number } {
  const outputs = params.maxOutputs + 2
  const largestClass = params.coinbaseClasses.at(-1) ?? 0
  const reservedWeight = Math.max(4 * (200 + outputs * 44), 4 * largestClass) + 4 * 100
  return { reservedWeight, reservedSigops: 4 * Math.max(params.maxOutputs, Math.floor(largestClass / 31)) }
}

export class HashcoopNode extends EventEmitter<NodeEvents> {
  private stopping: Promise<void> | null = null
  private lastTip: string | null = null
  readonly config: NodeConfig
  readonly joinKey: string
  readonly params: CoopParams
  readonly store: CoopStore
  readonly base: CoopBase<ShareView>
  readonly state: ShareChainState
  readonly swarm: CoopSwarm
  readonly rpc: RpcClient
  readonly templates: TemplateSource
  readonly stratum: StratumServer
  readonly work: WorkManager
  readonly foundBlocks: FoundBlocks
  readonly workerStats: WorkerStats
  readonly reach: CutOffMonitor
  readonly heldBlocks: HeldBlocks
  readonly storage: StorageWatch
  private readonly log: CoopLogger

  private constructor(p: NodeParts) {
    super()
    this.config = p.config
    this.joinKey = p.joinKey
    this.params = p.params
    this.store = p.store
    this.base = p.base
    this.state = p.state
    this.swarm = p.swarm
    this.rpc = p.rpc
    this.templates = p.templates
    this.stratum = p.stratum
    this.work = p.work
    this.foundBlocks = p.foundBlocks
    this.workerStats = p.workerStats
    this.reach = p.reach
    this.heldBlocks = p.heldBlocks
    this.storage = p.storage
    this.log = p.log
  }

  /** The share-chain view (read it with the keys of src/sharechain/view.ts). */
  get view(): ViewLike {
    return asViewLike(this.base.view)
  }

  get network(): NetworkName {
    return this.params.network
  }

  static async start(config: NodeConfig): Promise<HashcoopNode> {
    const log = config.logger ?? silentLogger
    const saved = await readCoopFile(config.dataDir)
    const joinText = config.joinKey ?? saved?.joinKey
    if (joinText === undefined) throw new NodeError(`no cooperative: pass --join KEY, or run 'hashcoop init' in ${config.dataDir}`)
    const key = decodeJoinKey(joinText)
    if (saved !== null && saved.joinKey !== joinText && config.joinKey !== undefined) {
      throw new NodeError(`data dir ${config.dataDir} belongs to another cooperative (${saved.joinKey.slice(0, 24)}...): use another --data`)
    }
    const founder = saved?.founder === true

    const store = await openCoopStore(config.dataDir)
    const cleanups: (() => Promise<unknown>)[] = [() => store.close()]
    const unwind = async (err: unknown): Promise<never> => {
      for (const c of cleanups.reverse()) await c().catch(() => {})
      throw err
    }
    try {
      await checkRestored(config, store, key, founder, log)
      const state = new ShareChainState(key.consensusId, { memoShares: MEMO_SHARES })
      const base = await CoopBase.open<ShareView>({
        store: store.store,
        bootstrapKey: founder ? null : key.bootstrapKey,
        encryptionKey: key.encryptionKey,
        open: openShareView,
        apply: createShareApply(state, { onAdmin: (payload, author, host) => applyAdminOp(payload, author, host) }),
        wrapAdminOp: (payload) => encodeEntry({ type: 'admin', payload }),
        log
      })
      cleanups.push(() => base.close())
      if (saved === null) await writeCoopFile(config.dataDir, { joinKey: joinText, founder: false })

      const swarm = await CoopSwarm.start({
        base: base as CoopBase<unknown>,
        consensusId: key.consensusId,
        dht: config.dht,
        keyPair: await store.store.createKeyPair('hashcoop-swarm'),
        checkRelayed: (value) => relayVerdict(state, asViewLike(base.view), () => base.update(), value),
        log
      })
      cleanups.push(() => swarm.close())

      const params = await waitForGenesis(base, state, config.genesisTimeoutMs ?? 60_000, log)
      const rpc = new RpcClient({ url: config.bitcoind.url, ...(config.bitcoind.auth ? { auth: config.bitcoind.auth } : {}), network: params.network })
      await checkBitcoindNetwork(rpc, log)

      const templates = new TemplateSource({
        rpc,
        normalize: coinbaseReservation(params),
        ...(config.bitcoind.zmqUrl ? { zmqUrl: config.bitcoind.zmqUrl } : {}),
        ...(config.bitcoind.pollIntervalMs ? { pollIntervalMs: config.bitcoind.pollIntervalMs } : {}),
        ...(config.bitcoind.refreshIntervalMs ? { refreshIntervalMs: config.bitcoind.refreshIntervalMs } : {}),
        ...(config.bitcoind.livenessIntervalMs || config.bitcoind.pollIntervalMs ? { livenessIntervalMs: config.bitcoind.livenessIntervalMs ?? config.bitcoind.pollIntervalMs } : {}),
        ...(config.bitcoind.livenessTimeoutMs ? { livenessTimeoutMs: config.bitcoind.livenessTimeoutMs } : {})
      })
      cleanups.push(() => templates.close())
      const foundBlocks = await FoundBlocks.open({
        path: foundBlocksPath(config.dataDir),
        rpc,
        onUnreachable: (err) => templates.reportUnreachable(err),
        ...(config.bitcoind.blockCheckIntervalMs ? { checkIntervalMs: config.bitcoind.blockCheckIntervalMs } : {})
      })
      cleanups.push(() => foundBlocks.close())
      const workerStats = await WorkerStats.open({ dataDir: config.dataDir, ...config.workerStats, logger: log })
      cleanups.push(() => workerStats.close())
      const reach = new CutOffMonitor({
        writable: () => base.writable,
        writerPeers: () => [...swarm.peers.values()].filter((p) => p.writer).length,
        baseClosed: () => base.autobase.closing || base.autobase.closed,
        ...config.cutOff
      })
      cleanups.push(async () => reach.close())
      const heldBlocks = await HeldBlocks.open(config.dataDir)
      let node: HashcoopNode | null = null
      const storage = new StorageWatch({
        dataDir: config.dataDir,
        lowSpaceBytes: dayOfSharesBytes(params.shareInterval),
        onFailure: (reason) => node?.onStorageFailure(reason),
        onLowSpace: (free, threshold) => node?.onDiskLow(free, threshold),
        onSpaceBack: (free) => node?.onDiskBack(free)
      })
      cleanups.push(async () => storage.close())

      let work: WorkManager | null = null
      const { host: stratumHost, port: stratumPort, ...stratumOptions } = config.stratum
      const stratum = new StratumServer({
        // A miner may roll ntime as far ahead as a share's chain time may run (SPEC.md §5.1), no further.
        ntimeFutureLimitSec: params.maxTimeStep,
        ...stratumOptions,
        host: stratumHost,
        port: stratumPort,
        network: params.network,
        onOutcome: (o) => workerStats.record(o),
        onSolution: (s) => (work === null ? { accepted: false, reason: 'node starting' } : work.onSolution(s))
      })
      work = new WorkManager({
        state,
        view: asViewLike(base.view),
        extranonceSize: stratum.extranonceSize,
        tag: new TextEncoder().encode(config.tag ?? '/hashcoop/'),
        publish: (job) => stratum.setJob(job),
        submitBlock: async (blockHex, found) => {
          const r = await foundBlocks.submit({ hash: found.hash, height: found.height, prevHash: found.prevHash, finder: found.address, blockHex })
          return { accepted: r.status === 'accepted', status: r.status, ...(r.reason === null ? {} : { reason: r.reason }) }
        },
        workRefusal: () => staleWorkRefusal(templates, config.bitcoind.staleWorkMs ?? STALE_WORK_MS),
        appendEntry: (entry) =>
          appendOrHold(reach, heldBlocks, entry, () => (base.writable ? base.append(entry) : base.appendOptimistic(entry)), log).catch((err: unknown) => {
            storage.report(err)
            throw err
          })
      })
      await stratum.listen()
      cleanups.push(() => stratum.close())

      node = new HashcoopNode({ config, joinKey: joinText, params, store, base, state, swarm, rpc, templates, stratum, work, foundBlocks, workerStats, reach, heldBlocks, storage, log })
      node.wire()
      storage.start()
      void templates.start()
      log.info({ network: params.network, stratum: `${stratumHost}:${stratumPort}`, writer: base.writable }, `node running on ${params.network}; stratum on ${stratumHost}:${stratumPort}`)
      return node
    } catch (err) {
      return unwind(err)
    }
  }

  private wire(): void {
    const { work, templates, base, foundBlocks, log } = this
    templates.on('template', (u) => {
      void work.onTemplate(u.template, u.newBlock).catch((err: unknown) => log.error({ err: String(err) }, 'building a job failed'))
      if (u.newBlock) foundBlocks.wake()
    })
    templates.on('status', (s) => {
      if (s.state === 'lost') log.warn({ err: s.error?.message }, `bitcoind lost: ${s.error?.message ?? 'unknown error'}`)
      else {
        log.info({}, 'bitcoind regained')
        foundBlocks.wake() // resubmits what could not be submitted
      }
    })
    foundBlocks.on('change', (change) => {
      const line = blockLogLine(change)
      const r = change.record
      if (line !== null) log[line.level]({ hash: r.hash, height: r.height, status: r.status, reason: r.reason }, line.message)
    })
    foundBlocks.on('error', (err) => {
      log.error({ err: err.message }, err.message)
      this.storage.report(err)
    })
    // Autobase closes itself on any error (a failed write among them, with an error that does not
    // say why): look at the disk first, so a full disk is named as such; any other cause is as fatal,
    // since a closed base takes no share and never reopens by itself.
    base.autobase.on('error', (err: unknown) => void this.onBaseError(err))
    templates.on('error', (err) => log.warn({ err: err.message }, `bitcoind: ${err.message}`))
    base.autobase.on('update', () => {
      void work.onChainUpdate().catch((err: unknown) => log.error({ err: String(err) }, 'building a job failed'))
      // An update racing stop() reads a closed view: only a failure while running is worth a line.
      this.checkTip().catch((err: unknown) => {
        if (this.stopping === null) log.warn({ err: String(err) }, `reading the share-chain tip failed: ${String(err)}`)
      })
    })
    // Keep the whole view local as it grows (a joiner fast-forwards and holds it sparsely): a read,
    // the API's included, must not wait on a peer that may be gone (issue 16: /api/blocks hung).
    for (const core of [base.view.core, base.autobase.core]) core.download({ start: 0, end: -1 })
    this.swarm.on('peer-joined', () => this.reach.evaluate())
    this.swarm.on('peer-left', () => this.reach.evaluate())
    this.reach.on('change', (s) => this.onReachChange(s))
    this.reach.evaluate()
    work.on('share', (e) => this.emit('share', e))
    this.on('tip', () => void this.view.get('stats').then((s) => this.workerStats.syncBlocks((s?.value as { blocks?: number } | undefined)?.blocks ?? 0)).catch(() => {}))
    work.on('tipAhead', (e) => {
      const what = `the best share ${e.tip.slice(0, 16)} claims a time ${e.aheadBy} s past this node's clock plus maxTimeStep`
      if (e.minedOn === e.tip) log.warn(e, `${what}, and so does every recent share: mining on it anyway; check this machine's clock (operator guide, "Share-chain time")`)
      else log.warn(e, `${what}: mining on ${e.minedOn === null ? 'the first share' : e.minedOn.slice(0, 16)} until the clock reaches it (a share stamped ahead, SPEC.md §5.4)`)
    })
    work.on('clockConflict', (e) =>
      log.warn(e, `the share-chain's median time past is ${e.shareChainMinTime - e.bitcoinMaxTime} s beyond what bitcoind accepts: shares stay valid, but a block found now would be refused as too new (operator guide, "Share-chain time")`)
    )
    work.on('block', (e) => {
      if (e.accepted) templates.refresh() // logged by foundBlocks' change
      this.emit('block', e)
    })
  }

  /** Cut off: say so (log at warn, every miner); reconnected: say so and hand over held blocks. */
  private onReachChange(s: ReachState): void {
    if (s.cutOff) {
      this.log.warn({ reason: s.reason, detail: s.detail }, `cut off from the cooperative: ${s.detail}; shares are refused until it reconnects, blocks still go to bitcoind and pay the split at the last known tip`)
      this.stratum.showMessage(`hashcoop: this node is cut off from the cooperative (${s.detail}); shares are not credited until it reconnects`)
    } else {
      this.log.info({}, 'reconnected to the cooperative: shares are accepted again')
      this.stratum.showMessage('hashcoop: reconnected to the cooperative; shares are credited again')
      void this.releaseHeldBlocks()
    }
    this.emit('reach', s)
  }

  /** Appends (writer) or relays (non-writer) the shares of blocks found while cut off. */
  private async releaseHeldBlocks(): Promise<void> {
    for (const entry of [...this.heldBlocks.list()]) {
      if (this.reach.state.cutOff) return
      const id = blockShareId(entry)
      try {
        if (id !== null && (await this.view.get(KEY.share(id))) !== null) {
          await this.heldBlocks.release(entry) // it reached the log after all
          continue
        }
        if (this.base.writable) await this.base.append(entry)
        else await this.swarm.relay(entry).catch(() => this.base.appendOptimistic(entry))
        await this.heldBlocks.release(entry)
        this.log.info({ share: id }, `share of a block found while cut off handed to the cooperative: ${id ?? '?'}`)
      } catch (err) {
        this.log.warn({ share: id, err: err instanceof Error ? err.message : String(err) }, `could not hand a held block share to the cooperative yet: ${err instanceof Error ? err.message : String(err)}`)
        return
      }
    }
  }

  private async checkTip(): Promise<void> {
    const tip = (await this.view.get('tip'))?.value as { id: string; height: number } | undefined
    if (tip === undefined || tip.id === this.lastTip) return
    this.lastTip = tip.id
    this.emit('tip', tip)
  }

  /**
   * The disk failed: say so at error level and to every miner (before their sessions close, so
   * the rig's log says why it lost its pool), tell the embedder (the CLI exits non-zero), stop.
   */
  private onStorageFailure(reason: string): void {
    if (this.stopping !== null) return
    this.log.error({ reason }, `storage failed in ${this.config.dataDir}: ${reason}; stopping the node (every share it acknowledged is stored; fix the cause (the disk, most often), then start it again)`)
    this.stratum.showMessage(`hashcoop: this node is stopping, its storage failed (${reason}); mine on another node until it is back`)
    this.emit('fatal', { reason })
    void this.stop()
  }

  private async onBaseError(err: unknown): Promise<void> {
    if (this.storage.report(err)) return
    await this.storage.probe()
    if (this.stopping !== null || this.storage.failure !== null) return
    this.storage.fail(`the share-chain store closed after an error: ${err instanceof Error ? err.message : String(err)}`)
  }

  private onDiskLow(freeBytes: number, lowSpaceBytes: number): void {
    this.log.warn(
      { freeBytes, lowSpaceBytes },
      `disk nearly full in ${this.config.dataDir}: ${megabytes(freeBytes)} MB free, less than a day of the cooperative's shares (${megabytes(lowSpaceBytes)} MB); the node stops when the disk is full: free space or move the data dir`
    )
    this.emit('disk', this.storage.status())
  }

  private onDiskBack(freeBytes: number): void {
    this.log.info({ freeBytes }, `disk space back in ${this.config.dataDir}: ${megabytes(freeBytes)} MB free`)
    this.emit('disk', this.storage.status())
  }

  /** An online backup: this node's data dir files and a snapshot of its store (node/backup.ts). */
  backup(out: string, opts: { force?: boolean } = {}): Promise<BackupResult> {
    if (this.stopping !== null) return Promise.reject(new NodeError('the node is stopping'))
    return backupOpenStore(this.store.dataDir, this.store.store, out, { mode: 'online', ...opts })
  }

  async stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.storage.close()
      this.reach.close()
      this.work.close()
      await this.templates.close().catch(() => {})
      await this.stratum.close().catch(() => {})
      await this.foundBlocks.close().catch(() => {})
      await this.workerStats.close().catch(() => {})
      await this.swarm.close().catch(() => {})
      await this.base.close().catch(() => {})
      await this.store.close().catch(() => {})
    })()
    return this.stopping
  }
}

/**
 * A restored data dir: before the Autobase opens (an indexer's acks by itself), make sure the
 * backup's writer key cannot fork its log (restored-guard.ts). Passed once, the dir is ordinary.
 */
async function checkRestored(config: NodeConfig, store: CoopStore, key: JoinKey, founder: boolean, log: CoopLogger): Promise<void> {
  if ((await readRestoredMarker(config.dataDir)) === null) return
  // A founder's base key is its own writer core's key; a member's is in its join key.
  const baseKey = founder ? await localWriterKey(store.store) : key.bootstrapKey
  await guardRestoredWriter({
    store: store.store,
    baseKey,
    consensusId: key.consensusId,
    dht: config.dht,
    alone: config.restoredAlone === true,
    waitMs: config.restoredWaitMs ?? 30_000,
    log
  })
  await clearRestoredMarker(config.dataDir)
}

/** Default bound on how stale share work may be while bitcoind is lost (ms since it last confirmed the tip). */
const STALE_WORK_MS = 5_000

/** Why no share work may be handed out now, or null (template-source.ts stats.confirmedAt). */
function staleWorkRefusal(templates: TemplateSource, boundMs: number): string | null {
  const { connected, confirmedAt } = templates.stats
  if (connected || confirmedAt === null) return null
  const ageMs = Date.now() - confirmedAt
  if (ageMs <= boundMs) return null
  return `stale-work: bitcoind unreachable, its tip last confirmed ${Math.round(ageMs / 1000)} s ago`
}

/** How long a relayed share may wait for its parent to reach our view. */
const RELAY_PARENT_WAIT_MS = 5_000

/**
 * A relayed value a writer will append for a peer: a decodable share passing stage 1, appended
 * only once its parent is in our view. Our append carries our own causal heads, not the
 * relayer's, so appending earlier would let apply see the share before its parent.
 */
async function relayVerdict(state: ShareChainState, view: ViewLike, update: () => Promise<void>, value: Uint8Array): Promise<true | string> {
  const chain = state.shareChain
  if (chain === null) return 'no genesis yet'
  let share
  try {
    const entry = decodeEntry(value)
    if (entry.type !== 'share') return 'only shares are relayed'
    share = entry.share
    checkStage1(chain, share)
  } catch (err) {
    return err instanceof ShareRejected ? err.reason : 'malformed'
  }
  if (share.height === 0) return true
  const parentKey = `share!${toHex(share.parent)}`
  const deadline = Date.now() + RELAY_PARENT_WAIT_MS
  while ((await view.get(parentKey)) === null) {
    if (Date.now() > deadline) return 'unknown-parent: the parent has not reached this writer'
    await update()
    await new Promise((r) => setTimeout(r, 50))
  }
  return true
}

async function waitForGenesis(base: CoopBase<ShareView>, state: ShareChainState, timeoutMs: number, log: CoopLogger): Promise<CoopParams> {
  const deadline = Date.now() + timeoutMs
  let said = false
  for (;;) {
    await base.update()
    const params = await state.open(asViewLike(base.view))
    if (params !== null) return params
    if (!said) {
      log.info({}, 'waiting for the cooperative genesis record from peers')
      said = true
    }
    if (Date.now() > deadline) throw new NodeError(`no peer of this cooperative answered within ${Math.round(timeoutMs / 1000)} s: check the join key and the network`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function checkBitcoindNetwork(rpc: RpcClient, log: CoopLogger): Promise<void> {
  try {
    await rpc.checkNetwork()
  } catch (err) {
    const name = err instanceof Error ? err.name : ''
    if (name === 'RpcWrongNetworkError' || name === 'RpcAuthError') throw err
    // bitcoind down or warming up: the template source keeps retrying and says when it is back.
    log.warn({ err: err instanceof Error ? err.message : String(err) }, `bitcoind not ready yet: ${err instanceof Error ? err.message : String(err)}`)
  }
}

export interface InitOptions {
  dataDir: string
  network: NetworkName
  overrides?: ParamsOverrides
  /** A private cooperative: the join key carries an encryption key. */
  private?: boolean
  /** Unix seconds; default now. */
  createdAt?: number
  logger?: CoopLogger
}

/** `hashcoop init`: creates a cooperative in dataDir, writes its genesis record, returns the join key. */
export async function initCooperative(opts: InitOptions): Promise<{ joinKey: string; params: CoopParams; key: JoinKey }> {
  if ((await readCoopFile(opts.dataDir)) !== null) throw new NodeError(`${opts.dataDir} already holds a cooperative (see coop.json); use another --data`)
  const params = defaultParams(opts.network, new Uint8Array(randomBytes(32)), opts.createdAt ?? Math.floor(Date.now() / 1000), opts.overrides)
  const consensusId = computeConsensusId(params)
  const encryptionKey = opts.private === true ? new Uint8Array(randomBytes(32)) : null
  const store = await openCoopStore(opts.dataDir)
  try {
    const state = new ShareChainState(consensusId, { memoShares: MEMO_SHARES })
    const base = await CoopBase.open<ShareView>({
      store: store.store,
      bootstrapKey: null,
      encryptionKey,
      open: openShareView,
      apply: createShareApply(state, { onAdmin: (payload, author, host) => applyAdminOp(payload, author, host) }),
      wrapAdminOp: (payload) => encodeEntry({ type: 'admin', payload }),
      ...(opts.logger ? { log: opts.logger } : {})
    })
    try {
      await base.append(encodeEntry({ type: 'genesis', params }))
      await base.update()
      if ((await state.open(asViewLike(base.view))) === null) throw new NodeError('the genesis record was not applied')
      const key: JoinKey = { bootstrapKey: base.key, consensusId, encryptionKey }
      const joinKey = encodeJoinKey(key)
      await writeCoopFile(opts.dataDir, { joinKey, founder: true })
      return { joinKey, params, key }
    } finally {
      await base.close()
    }
  } finally {
    await store.close()
  }
}

function megabytes(bytes: number): number {
  return Math.round(bytes / 1e6)
}
