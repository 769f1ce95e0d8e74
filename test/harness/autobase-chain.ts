/**
 * Share-chain nodes on real Autobase + Corestore (temp dirs), replicated in-process over piped
 * streams. For tests of the state machine itself; networking is tested in test/integration/coop.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Corestore from 'corestore'
import { CoopBase } from '../../src/coop/base.js'
import { applyAdminOp } from '../../src/coop/admin-op.js'
import { encodeEntry, type Share } from '../../protocol/share.js'
import type { CoopParams } from '../../protocol/params.js'
import { consensusId } from '../../protocol/params.js'
import { ShareChainState } from '../../src/sharechain/state.js'
import { asViewLike, createShareApply, openShareView, type ShareView } from '../../src/sharechain/autobase.js'
import type { ViewLike } from '../../src/sharechain/view.js'

export interface ChainNode {
  base: CoopBase<ShareView>
  state: ShareChainState
  store: Corestore
  dir: string
  view: ViewLike
}

export async function openChainNode(params: CoopParams, bootstrap: Uint8Array | null): Promise<ChainNode> {
  const dir = mkdtempSync(join(tmpdir(), 'hashcoop-ab-'))
  const store = new Corestore(dir)
  const state = new ShareChainState(consensusId(params))
  const base = await CoopBase.open<ShareView>({
    store,
    bootstrapKey: bootstrap,
    open: openShareView,
    apply: createShareApply(state, { onAdmin: (payload, author, host) => applyAdminOp(payload, author, host) }),
    wrapAdminOp: (payload) => encodeEntry({ type: 'admin', payload }),
    ackInterval: 50
  })
  return { base, state, store, dir, view: asViewLike(base.view) }
}

/** Full mesh of piped replication streams; returns a function that tears them down. */
export function connectAll(nodes: ChainNode[]): () => void {
  const streams: { destroy(): void }[] = []
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = (nodes[i] as ChainNode).base.autobase.replicate(true)
      const b = (nodes[j] as ChainNode).base.autobase.replicate(false)
      a.pipe(b).pipe(a)
      a.on('error', () => {})
      b.on('error', () => {})
      streams.push(a, b)
    }
  }
  return () => {
    for (const s of streams) s.destroy()
  }
}

export async function closeChainNode(n: ChainNode): Promise<void> {
  await n.base.close()
  await n.store.close()
  rmSync(n.dir, { recursive: true, force: true })
}

export async function waitFor(cond: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Founder + joiners made writers by the founder's admin ops, all replicating. */
export async function writerCluster(params: CoopParams, count: number): Promise<{ nodes: ChainNode[]; disconnect: () => void }> {
  const founder = await openChainNode(params, null)
  await founder.base.append(encodeEntry({ type: 'genesis', params }))
  const nodes = [founder]
  for (let i = 1; i < count; i++) nodes.push(await openChainNode(params, founder.base.key))
  const disconnect = connectAll(nodes)
  for (const n of nodes.slice(1)) await founder.base.addWriter(n.base.localKey)
  for (const n of nodes.slice(1)) {
    await waitFor(async () => {
      await n.base.update()
      return n.base.writable
    }, 'writer to become writable')
  }
  return { nodes, disconnect }
}

export function shareEntry(s: Share): Uint8Array {
  return encodeEntry({ type: 'share', share: s })
}
