import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { toHex } from '../bitcoin/bytes.js'
import { existingCooperativeKey } from '../coop/base.js'
import { decodeJoinKey, type JoinKey } from '../coop/join-key.js'
import { openCoopStore, DataDirLockedError } from '../coop/store.js'
import { readCoopFile } from '../node/coop-file.js'
import { foundBlocksPath, readFoundBlocks, type FoundBlockRecord } from '../blocks/store.js'
import { asViewLike } from '../sharechain/autobase.js'
import { openAuditBase } from './coop-base.js'
import { AuditSourceError, type AuditSource } from './log.js'
import { viewSource } from './view-source.js'

/**
 * A node's data dir as an audit source, opened offline with the store lock: while the node runs,
 * this fails with coop/store.ts's "already running (data dir D is locked by pid N)". The view read
 * is the node's own, as it left it. The node's coop.json, when present, gives the join key (the
 * consensus id the view must match, and a private cooperative's encryption key); without it the
 * cooperative is the one the store holds and the consensus id its genesis record's.
 */
export async function openDataDir(dataDir: string): Promise<AuditSource> {
  const dir = resolve(dataDir)
  await mustExist(dir, `no data dir at ${dir}`)
  await mustExist(join(dir, 'corestore'), `${dir} is not a hashcoop data dir (it has no corestore/)`)
  let joinKey: JoinKey | null = null
  try {
    const saved = await readCoopFile(dir)
    if (saved !== null) joinKey = decodeJoinKey(saved.joinKey)
  } catch (err) {
    throw new AuditSourceError(`cannot read the cooperative of data dir ${dir}: ${(err as Error).message}`)
  }
  let store
  try {
    store = await openCoopStore(dir)
  } catch (err) {
    if (err instanceof DataDirLockedError) throw new AuditSourceError(`cannot audit ${dir}: ${err.message}; stop the node, or audit it with --join`)
    throw new AuditSourceError(`cannot open data dir ${dir}: ${(err as Error).message}`)
  }
  let submissions: Map<string, FoundBlockRecord>
  try {
    submissions = new Map((await readFoundBlocks(foundBlocksPath(dir))).map((r) => [r.hash, r]))
  } catch (err) {
    await store.close().catch(() => {})
    throw new AuditSourceError(`data dir ${dir}: ${(err as Error).message}`)
  }
  try {
    const key = await existingCooperativeKey(store.store)
    if (key === null) throw new AuditSourceError(`data dir ${dir} holds no cooperative`)
    if (joinKey !== null && toHex(joinKey.bootstrapKey) !== toHex(key)) {
      throw new AuditSourceError(`data dir ${dir}: its coop.json names cooperative ${toHex(joinKey.bootstrapKey).slice(0, 8)}, its store holds ${toHex(key).slice(0, 8)}`)
    }
    const base = await openAuditBase({ store: store.store, bootstrapKey: key, encryptionKey: joinKey?.encryptionKey ?? null, consensusId: joinKey?.consensusId ?? null })
    try {
      await base.update()
      const s = store
      const source = await viewSource(asViewLike(base.view), {
        kind: 'data',
        label: `data dir ${dir}`,
        ...(joinKey === null ? {} : { expectedConsensusId: joinKey.consensusId }),
        close: async () => {
          await base.close()
          await s.close()
        }
      })
      return { ...source, submissions }
    } catch (err) {
      await base.close().catch(() => {})
      throw err
    }
  } catch (err) {
    await store.close().catch(() => {})
    throw err
  }
}

async function mustExist(path: string, message: string): Promise<void> {
  try {
    await stat(path)
  } catch {
    throw new AuditSourceError(message)
  }
}
