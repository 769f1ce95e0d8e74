/**
 * What the HTTP API reads from a running node. A structural slice of HashcoopNode (src/node/),
 * so api/ depends on the node's shape, not on its construction, and reads nothing it could change
 * except through the admin operations the token allows.
 */
import type { BlockTemplate } from '../bitcoin/template.js'
import type { FoundBlockRecord } from '../blocks/store.js'
import type { TemplateSourceStats } from '../bitcoin/template-source.js'
import type { ReachState } from '../coop/cut-off.js'
import type { CoopPeer } from '../coop/swarm.js'
import type { CoopParams } from '../../protocol/params.js'
import type { ShareChainState } from '../sharechain/state.js'
import type { ViewLike } from '../sharechain/view.js'
import type { ServerStats, SessionStats } from '../stratum/types.js'
import type { WorkStats } from '../work/manager.js'
import type { WorkerStats } from '../stats/worker-stats.js'

export interface BlockEvent {
  hash: string
  height: number
  accepted: boolean
  reason: string | null
  /** What bitcoind's answer means (src/bitcoin/submit-outcome.ts), e.g. race-lost. */
  status: string | null
  address: string
}

/** The node's found-block tracker (src/blocks/found-blocks.ts): every status from bitcoind's answers. */
export interface ApiFoundBlocks {
  get(hash: string): FoundBlockRecord | undefined
  observe(block: { hash: string; height: number; finder: string | null }): FoundBlockRecord
}

export interface ApiNode {
  readonly joinKey: string
  readonly params: CoopParams
  readonly view: ViewLike
  readonly state: Pick<ShareChainState, 'workBase' | 'shareChain'>
  readonly base: {
    readonly localKey: Uint8Array
    readonly writable: boolean
    readonly isIndexer: boolean
    addWriter(key: Uint8Array): Promise<void>
    addIndexer(key: Uint8Array): Promise<void>
    removeWriter(key: Uint8Array): Promise<void>
  }
  readonly swarm: { readonly peers: ReadonlyMap<string, CoopPeer>; readonly peerCount: number }
  readonly templates: { readonly template: BlockTemplate | null; readonly stats: TemplateSourceStats }
  readonly stratum: { stats(): ServerStats; sessionStats(): SessionStats[] }
  readonly work: { readonly stats: WorkStats }
  readonly foundBlocks: ApiFoundBlocks
  /** Per-worker accounting kept in the data dir (src/stats/). */
  readonly workerStats: Pick<WorkerStats, 'book' | 'on' | 'off'>
  /** Whether the node can get its shares into the log (absent: always connected, e.g. test fakes). */
  readonly reach?: { readonly state: ReachState }
  /** Shares of blocks found while cut off, waiting to be handed to the cooperative. */
  readonly heldBlocks?: { readonly size: number }
  /** The data dir's disk as the node's storage watch last saw it (absent: test fakes). */
  readonly storage?: { status(): ApiStorageStatus }
  /** An online backup (src/node/backup.ts); absent on test fakes. */
  backup?(out: string, opts: { force?: boolean }): Promise<{ out: string; bytes: number; files: number; records: number; writerKey: string }>
  on<E extends keyof ApiNodeEvents>(event: E, listener: (...args: ApiNodeEvents[E]) => void): unknown
  off<E extends keyof ApiNodeEvents>(event: E, listener: (...args: ApiNodeEvents[E]) => void): unknown
}

export interface ApiStorageStatus {
  failure: string | null
  freeBytes: number | null
  lowSpaceBytes: number
  low: boolean
}

/** The node events the API listens to (HashcoopNode's NodeEvents). */
export interface ApiNodeEvents {
  block: [e: BlockEvent]
  tip: [tip: { id: string; height: number }]
  share: [e: { id: string; address: string; worker: string; height: number }]
  reach: [state: ReachState]
  fatal: [event: { reason: string }]
  disk: [status: ApiStorageStatus]
}
