import type { FoundBlockRecord } from '../blocks/store.js'
import type { CoopParams } from '../../protocol/params.js'
import type { BlockValue, InvalidValue, MinerValue, ShareValue, StatsValue, TipValue, ViewEntry } from '../sharechain/view.js'

/**
 * What the auditor replays, whatever it came from (a node's view, a data dir, an export file).
 *
 * The replay source is the node's own view: every `share!<id>` record carries the encoded share and
 * `seq`, its position in the linearized log, and every `invalid!<seq>` record says what the node
 * rejected. Sorted by seq, these are the log as the node applied it, minus what the view does not
 * keep: admin operations (opaque to the share-chain) and the bytes of rejected entries. Replaying
 * the accepted shares in that order through the consensus code, into an empty view, and comparing
 * every derived record with the node's, re-verifies everything the node's payouts depend on.
 * (Autobase keeps no linearized log of its own to read: the order exists only as the view it
 * produced, and the writers' input cores hold entries in per-writer order, not the linearized one.)
 */

/** A share the node accepted: its encoded bytes (protocol/share.ts) at its log position. */
export interface AcceptedShare {
  kind: 'share'
  seq: number
  /** The share id the node filed it under (hex, internal byte order). */
  claimedId: string
  /** The encoded share, as the log entry carried it (without the entry tag). */
  bytes: Uint8Array
  /** The node's whole `share!<id>` record, when the source is a view (an export keeps only bytes). */
  stored?: ShareValue
}

/** An entry the node rejected, as its `invalid!<seq>` record describes it. */
export interface RejectedEntry {
  kind: 'rejected'
  seq: number
  value: InvalidValue
}

export type LogItem = AcceptedShare | RejectedEntry

/**
 * The node's derived records: what it says the chain adds up to. The replay must reproduce each.
 * `extra` holds the view's per-share and height records when the source is a whole view.
 */
export interface NodeClaims {
  tip: TipValue | null
  stats: StatsValue | null
  /** Sorted by script hex. */
  miners: MinerValue[]
  /** Sorted by id hex. */
  blocks: BlockValue[]
  /** Sorted by key: the `height!` index, when the source has it (a live view; not an export). */
  heights: ViewEntry[] | null
}

export type SourceKind = 'join' | 'data' | 'file' | 'view'

/** One opened source: the genesis, the ordered log items, and the node's claims. */
export interface AuditSource {
  kind: SourceKind
  /** What to call it in messages: the data dir, the file, the cooperative's short key. */
  label: string
  params: CoopParams
  consensusId: Uint8Array
  /** How many log items `items()` yields (for progress). */
  itemCount: number
  /** The log items in ascending seq order. May be iterated once. */
  items(): AsyncIterable<LogItem>
  claims: NodeClaims
  /**
   * A data dir's own record of the blocks its node found and submitted (found-blocks.json), by
   * display hash: tells "submission failed here" from "never seen" when bitcoind lacks a block.
   */
  submissions?: ReadonlyMap<string, FoundBlockRecord>
  close(): Promise<void>
}

/** A source could not be opened or read: unreachable, locked, corrupt. Never a consensus finding. */
export class AuditSourceError extends Error {
  override name = 'AuditSourceError'
}
