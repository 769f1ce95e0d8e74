// Membership operations (who may write, who signs the order) carried in the share-chain log.
//
// Payload format (version 1), exactly 34 bytes; the share-chain wraps it in its own log entry
// (protocol/share.ts: Entry { type: 'admin', payload }) and hands the payload and the node's
// author (`node.from.key`) to applyAdminOp from inside its apply:
//   byte 0      version (1)
//   byte 1      op: 1 = add-writer (demotes an indexer to a plain writer)
//                   2 = add-indexer (adds or promotes)
//                   3 = remove-writer (writer or indexer)
//   bytes 2-33  the target's Autobase writer key (its `base.local.key`)
//
// Authorization: an op takes effect only if its author is an active indexer at that point of the
// linearized history. There is no membership roster of our own: Autobase already keeps one in its
// system core, deterministic and rolled back together with the view when the history reorders.
// It is reachable from apply as `host.system` (`PrivateApplyCalls.system`, autobase 7.28.1), which
// is not documented API: `authorRole` reads it defensively and FAILS CLOSED (every op is refused,
// reason 'unsupported') if that shape ever changes; test/unit/coop/admin-op.test.ts pins it.
// Consequences: the founder (the bootstrap writer) is an indexer from the start; an optimistic
// node (not a writer) can never issue an admin op; a plain writer cannot either.
// The last indexer can be neither removed nor demoted (Autobase would stall with none).
//
// applyAdminOp never throws: apply must not (a throw closes the base).

import type Autobase from 'autobase'

export const ADMIN_OP_VERSION = 1
const KEY_BYTES = 32
const PAYLOAD_BYTES = 2 + KEY_BYTES

export type AdminOpKind = 'add-writer' | 'add-indexer' | 'remove-writer'

export interface AdminOp {
  kind: AdminOpKind
  key: Uint8Array
}

const OP_CODES: Record<AdminOpKind, number> = { 'add-writer': 1, 'add-indexer': 2, 'remove-writer': 3 }
const OP_KINDS = new Map<number, AdminOpKind>(Object.entries(OP_CODES).map(([k, v]) => [v, k as AdminOpKind]))

export function encodeAdminOp(op: AdminOp): Uint8Array {
  if (!(op.key instanceof Uint8Array) || op.key.length !== KEY_BYTES) {
    throw new Error(`admin op key must be ${KEY_BYTES} bytes`)
  }
  const out = new Uint8Array(PAYLOAD_BYTES)
  out[0] = ADMIN_OP_VERSION
  out[1] = OP_CODES[op.kind]
  out.set(op.key, 2)
  return out
}

/** Null for anything that is not a well-formed version-1 admin op. */
export function decodeAdminOp(payload: Uint8Array): AdminOp | null {
  if (payload.length !== PAYLOAD_BYTES || payload[0] !== ADMIN_OP_VERSION) return null
  const kind = OP_KINDS.get(payload[1] ?? 0)
  if (kind === undefined) return null
  return { kind, key: payload.slice(2) }
}

export type AdminOpOutcome =
  | { applied: true; op: AdminOp }
  | {
      applied: false
      reason: 'malformed' | 'unauthorized' | 'last-indexer' | 'unsupported' | 'failed'
      detail: string
    }

export type AuthorRole = 'indexer' | 'writer' | 'none' | 'unknown'

/** The author's role at this point of the history, from Autobase's own system state. */
export async function authorRole(host: Autobase.ApplyHost, author: Uint8Array): Promise<AuthorRole> {
  const system: unknown = host.system
  if (typeof system !== 'object' || system === null) return 'unknown'
  const get: unknown = (system as { get?: unknown }).get
  if (typeof get !== 'function') return 'unknown'
  let member: unknown
  try {
    member = await (get as (key: Uint8Array) => Promise<unknown>).call(system, author)
  } catch {
    return 'unknown'
  }
  if (member === null || member === undefined) return 'none'
  if (typeof member !== 'object') return 'unknown'
  const { isIndexer, isRemoved } = member as { isIndexer?: unknown; isRemoved?: unknown }
  if (typeof isIndexer !== 'boolean' || typeof isRemoved !== 'boolean') return 'unknown'
  if (isRemoved) return 'none'
  return isIndexer ? 'indexer' : 'writer'
}

/** Call from apply for an admin entry. Deterministic, never throws; the outcome is for logging. */
export async function applyAdminOp(
  payload: Uint8Array,
  author: Uint8Array,
  host: Autobase.ApplyHost
): Promise<AdminOpOutcome> {
  const op = decodeAdminOp(payload)
  if (op === null) return { applied: false, reason: 'malformed', detail: 'not a version-1 admin op' }

  const role = await authorRole(host, author)
  if (role === 'unknown') {
    return { applied: false, reason: 'unsupported', detail: 'cannot read Autobase membership (autobase upgraded?)' }
  }
  if (role !== 'indexer') {
    return { applied: false, reason: 'unauthorized', detail: `author is ${role === 'writer' ? 'a writer, not an indexer' : 'not a member'}` }
  }

  try {
    if (op.kind === 'add-indexer') {
      await host.addWriter(op.key, { indexer: true })
    } else {
      const targetRole = await authorRole(host, op.key)
      if (targetRole === 'indexer' && !host.removeable(op.key)) {
        return { applied: false, reason: 'last-indexer', detail: 'the last indexer cannot be removed or demoted' }
      }
      if (op.kind === 'add-writer') await host.addWriter(op.key, { indexer: false })
      else if (targetRole !== 'none') await host.removeWriter(op.key)
    }
  } catch (err) {
    return { applied: false, reason: 'failed', detail: err instanceof Error ? err.message : String(err) }
  }
  return { applied: true, op }
}
