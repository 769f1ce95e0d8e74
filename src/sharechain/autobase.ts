import Hyperbee from 'hyperbee'
import type Autobase from 'autobase'
import { fromHex, toHex } from '../bitcoin/bytes.js'
import type { LogEntry, Outcome, ShareChainState } from './state.js'
import type { ViewLike } from './view.js'

/**
 * The share-chain as an Autobase state machine: `open` derives the Hyperbee view from the store
 * (and nothing else), `apply` runs ShareChainState over each linearized batch in one view batch.
 * Valid shares from non-writers (optimistic appends) are acknowledged, which is what admits them;
 * invalid ones are recorded and never acknowledged. Proof of work is the only gate.
 */
export type ShareView = Hyperbee<string, unknown>

export function openShareView(store: Autobase.AutoStore): ShareView {
  return new Hyperbee(store.get('view'), { keyEncoding: 'utf-8', valueEncoding: 'json', extension: false })
}

/** Handles a membership operation from inside apply (src/coop/admin-op.ts: applyAdminOp). */
export type AdminHandler = (payload: Uint8Array, author: Uint8Array, host: Autobase.ApplyHost) => Promise<unknown>

export interface ShareApplyOptions {
  onAdmin?: AdminHandler
  /** Sees every outcome, e.g. for logs and metrics. Autobase may re-apply history, so it can repeat. */
  onOutcome?: (outcome: Outcome, entry: LogEntry) => void
}

export function createShareApply(state: ShareChainState, opts: ShareApplyOptions = {}): Autobase.Handlers<Uint8Array, ShareView>['apply'] {
  return async (nodes, view, host) => {
    const entries: LogEntry[] = nodes.map((n) => ({ value: n.value, writer: toHex(n.from.key) }))
    const batch = view.batch({ update: false })
    const outcomes = await state.apply(batch, entries, async (payload, entry) => {
      await opts.onAdmin?.(payload, fromHex(entry.writer), host)
    })
    await batch.flush()
    for (const [i, node] of nodes.entries()) {
      const outcome = outcomes[i] as Outcome
      if (node.optimistic && outcome.kind === 'share') await host.ackWriter(node.from.key)
      opts.onOutcome?.(outcome, entries[i] as LogEntry)
    }
  }
}

/** The Hyperbee view seen through the interface the share-chain reads. */
export function asViewLike(view: ShareView): ViewLike {
  return view as unknown as ViewLike
}
