import type Autobase from 'autobase'
import type Corestore from 'corestore'
import { consensusId as computeConsensusId } from '../../protocol/params.js'
import { decodeEntry, encodeEntry } from '../../protocol/share.js'
import { applyAdminOp } from '../coop/admin-op.js'
import { CoopBase } from '../coop/base.js'
import { silentLogger, type CoopLogger } from '../coop/log.js'
import { createShareApply, openShareView, type ShareView } from '../sharechain/autobase.js'
import { MEMO_SHARES, ShareChainState } from '../sharechain/state.js'
import type { GenesisValue } from '../sharechain/view.js'

/**
 * The cooperative's Autobase opened the way a node opens it (same view, same apply, admin ops
 * routed to coop/), except that the auditor never writes: the ack timer is off (ackInterval 0, so
 * even a founder's data dir gets no ack appended) and nothing here calls append.
 */
export async function openAuditBase(opts: {
  store: Corestore
  bootstrapKey: Uint8Array
  encryptionKey?: Uint8Array | null
  /** The join key's consensus id; null for a data dir, where it is read from the view itself. */
  consensusId: Uint8Array | null
  log?: CoopLogger
}): Promise<CoopBase<ShareView>> {
  return CoopBase.open<ShareView>({
    store: opts.store,
    bootstrapKey: opts.bootstrapKey,
    encryptionKey: opts.encryptionKey ?? null,
    open: openShareView,
    apply: lazyShareApply(opts.consensusId),
    wrapAdminOp: (payload) => encodeEntry({ type: 'admin', payload }),
    ackInterval: 0,
    log: opts.log ?? silentLogger
  })
}

type ApplyFn = Autobase.Handlers<Uint8Array, ShareView>['apply']

/**
 * The node's apply, with its state machine created on first use: a data dir carries no join key,
 * so the consensus id comes from the genesis record already in the view (or, for a log not yet
 * applied at all, from the first genesis entry; any other would be rejected as the node would).
 */
function lazyShareApply(known: Uint8Array | null): ApplyFn {
  let inner: ApplyFn | null = null
  return async (nodes, view, host) => {
    if (inner === null) {
      const id = known ?? (await idFromView(view)) ?? idFromNodes(nodes) ?? new Uint8Array(32)
      inner = createShareApply(new ShareChainState(id, { memoShares: MEMO_SHARES }), { onAdmin: (payload, author, h) => applyAdminOp(payload, author, h) })
    }
    return inner(nodes, view, host)
  }
}

async function idFromView(view: ShareView): Promise<Uint8Array | null> {
  const genesis = (await view.get('genesis', { update: false }))?.value as GenesisValue | undefined
  return genesis === undefined ? null : Uint8Array.from(Buffer.from(genesis.consensusId, 'hex'))
}

function idFromNodes(nodes: readonly Autobase.ApplyNode<Uint8Array>[]): Uint8Array | null {
  for (const n of nodes) {
    if (n.value === null) continue
    try {
      const entry = decodeEntry(n.value)
      if (entry.type === 'genesis') return computeConsensusId(entry.params)
    } catch {
      // not a genesis: keep looking
    }
  }
  return null
}
