/**
 * What the HTTP API reads from a running node. A structural slice of HashcoopNode (src/node/),
 * so api/ depends on the node's shape, not on its construction, and reads nothing it could change
 * except through the admin operations the token allows.
 */
import type { BlockTemplate } from '../bitcoin/template.js'
import type { TemplateSourceStats } from '../bitcoin/template-source.js'
import type { ReachState } from '../coop/cut-off.js'
import type { CoopPeer } from '../coop/swarm.js'
import type { CoopParams } from '../../protocol/params.js'
import type { ShareChainState } from '../sharechain/state.js'
import type { ViewLike } from '../sharechain/view.js'
import type { ServerStats, SessionStats } from '../stratum/types.js'
import type { WorkStats } from '../work/manager.js'

export interface BlockEvent {
  hash: string
  height: number
  accepted: boolean
  reason: string | null
  address: string
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
  /** Whether the node can get its shares into the log (absent: always connected, e.g. test fakes). */
  readonly reach?: { readonly state: ReachState }
  /** Shares of blocks found while cut off, waiting to be handed to the cooperative. */
  readonly heldBlocks?: { readonly size: number }
  on(event: 'block', listener: (e: BlockEvent) => void): unknown
  off(event: 'block', listener: (e: BlockEvent) => void): unknown
}
