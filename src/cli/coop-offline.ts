/**
 * Opens a stopped node's data dir to append a membership op (or read its writer key) without a
 * network: the same Autobase construction as the node's (src/node/node.ts), so the op goes into
 * this node's input and reaches the other members the next time the node runs. A running node
 * holds the data dir's lock: openCoopStore then throws DataDirLockedError.
 */
import { decodeJoinKey } from '../coop/join-key.js'
import { CoopBase } from '../coop/base.js'
import { applyAdminOp } from '../coop/admin-op.js'
import { openCoopStore } from '../coop/store.js'
import { readCoopFile } from '../node/coop-file.js'
import { encodeEntry } from '../../protocol/share.js'
import { ShareChainState } from '../sharechain/state.js'
import { createShareApply, openShareView, type ShareView } from '../sharechain/autobase.js'

export class NoCooperativeError extends Error {}

export async function withStoppedNode<T>(dataDir: string, fn: (base: CoopBase<ShareView>) => Promise<T>): Promise<T> {
  const saved = await readCoopFile(dataDir)
  if (saved === null) throw new NoCooperativeError(`${dataDir} holds no cooperative (no coop.json): run 'hashcoop init' or 'hashcoop node --join KEY' with --data ${dataDir} first`)
  const key = decodeJoinKey(saved.joinKey)
  const store = await openCoopStore(dataDir)
  try {
    const state = new ShareChainState(key.consensusId)
    const base = await CoopBase.open<ShareView>({
      store: store.store,
      bootstrapKey: saved.founder ? null : key.bootstrapKey,
      encryptionKey: key.encryptionKey,
      open: openShareView,
      apply: createShareApply(state, { onAdmin: (payload, author, host) => applyAdminOp(payload, author, host) }),
      wrapAdminOp: (payload) => encodeEntry({ type: 'admin', payload })
    })
    try {
      const result = await fn(base)
      await base.update()
      return result
    } finally {
      await base.close()
    }
  } finally {
    await store.close()
  }
}
