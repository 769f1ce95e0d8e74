// Before a restored node's writer appends anything (docs/operator-guide.md, Backups).
//
// The danger: the node the backup came from holds the same writer key. If it appended after the
// backup (or still runs), the restored copy's next append goes to a position the old one already
// signed, with other content: a fork of its own log. Hypercore treats that as a conflict and
// closes the core on both ends (measured: every peer stops replicating it), so it must not happen.
// The check, run before the Autobase opens (an indexer's Autobase acks, i.e. appends, by itself):
//   1. join the cooperative with a throwaway network key, like any peer, and connect to everyone
//      announced on its topic. A peer that answers with this store's own swarm key (derived from
//      the store's primary key, which only a copy of this store has) is the old node: refuse.
//   2. ask the peers for the longest signed tail of our own writer core, and take it: hypercore
//      accepts a longer tail of a writable core when its signature verifies; its blocks are then
//      downloaded (Autobase never fetches its own core's blocks). The node then appends after what
//      the old one wrote, and its Autobase applies those entries like any other.
//   3. no peer at all within the wait: nobody can say whether the log grew after the backup;
//      refuse unless the operator says it did not (--restored-alone).
// The marker file is removed once this passed: later starts are ordinary starts.

import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type Corestore from 'corestore'
import { CoopSwarm, type SwarmBase } from '../coop/swarm.js'
import { sameNetworkDht, type DhtChoice } from '../coop/dht-options.js'
import { errorMessage, shortKey, type CoopLogger } from '../coop/log.js'
import { writeFileAtomic } from '../fs/write-atomic.js'
import type { BackupMeta } from './backup-archive.js'

export const RESTORED_FILE = 'restored.json'

export interface RestoredMarker {
  backupCreatedAt: string
  writerKey: string
}

export async function writeRestoredMarker(dataDir: string, meta: BackupMeta): Promise<void> {
  const marker: RestoredMarker = { backupCreatedAt: meta.createdAt, writerKey: meta.writerKey }
  await writeFileAtomic(join(dataDir, RESTORED_FILE), JSON.stringify(marker, null, 2) + '\n', 0o600)
}

export async function readRestoredMarker(dataDir: string): Promise<RestoredMarker | null> {
  try {
    return JSON.parse(await readFile(join(dataDir, RESTORED_FILE), 'utf8')) as RestoredMarker
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new Error(`${join(dataDir, RESTORED_FILE)} is damaged: restore the backup again`, { cause: err })
  }
}

export async function clearRestoredMarker(dataDir: string): Promise<void> {
  await rm(join(dataDir, RESTORED_FILE), { force: true })
}

/** The restored node must not start its writer; the message says why and what to do. */
export class RestoredWriterError extends Error {
  override name = 'RestoredWriterError'
}

export interface RestoredGuardOptions {
  store: Corestore
  /** The cooperative's Autobase key. */
  baseKey: Uint8Array
  consensusId: Uint8Array
  dht: DhtChoice
  /** --restored-alone: go on when no peer answers (the operator knows the log did not grow). */
  alone: boolean
  /** How long to look for peers and for their answer about our tail. */
  waitMs: number
  log: CoopLogger
}

export interface RestoredGuardResult {
  peers: number
  /** Our writer core's length before and after asking the peers, and the entries fetched. */
  lengthBefore: number
  lengthAfter: number
  fetched: number
}

/** Replicates the store as it is, without an Autobase: nothing here can append. */
async function bareStoreBase(store: Corestore, baseKey: Uint8Array): Promise<SwarmBase> {
  const core = store.get({ key: baseKey, active: false })
  await core.ready()
  const discoveryKey = core.discoveryKey
  await core.close()
  if (discoveryKey === null) throw new Error('the cooperative has no discovery key')
  return {
    key: baseKey,
    discoveryKey,
    writable: false,
    autobase: { on: () => undefined, off: () => undefined, replicate: (conn) => store.replicate(conn) },
    append: () => Promise.reject(new Error('a restored node does not append before its check'))
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Until every connection passed the handshake or went away, the old node found, or the deadline. */
async function settlePeers(swarm: CoopSwarm, oldKey: string, deadline: number): Promise<'old-node' | 'settled' | 'timeout'> {
  await Promise.race([swarm.swarm.flush(), sleep(Math.max(0, deadline - Date.now()))])
  for (;;) {
    if (swarm.peers.has(oldKey)) return 'old-node'
    if (swarm.peerCount > 0 && swarm.peerCount >= swarm.swarm.connections.size) return 'settled'
    if (Date.now() > deadline) return swarm.peerCount > 0 ? 'settled' : 'timeout'
    await sleep(100)
  }
}

type Core = ReturnType<Corestore['get']>

async function takeOwnTail(local: Core, waitMs: number): Promise<{ before: number; after: number; fetched: number }> {
  const before = local.length
  // force: a writable core does not ask peers for upgrades otherwise.
  const answered = await Promise.race([local.update({ force: true, wait: true }).then(() => true), sleep(waitMs).then(() => false)])
  if (!answered) throw new RestoredWriterError(`the peers did not say within ${Math.round(waitMs / 1000)} s whether they hold a longer copy of this node's log: start it again when they are reachable`)
  const after = local.length
  // The blocks too, not only the signed length: Autobase never downloads its own (writable)
  // core, and stalls before an entry of it that is not on disk (measured: the view stops there).
  // From the first missing block, not from `before`: an earlier, refused start may already have
  // taken the signed length (replication does) without the blocks.
  const missingFrom = local.contiguousLength
  if (missingFrom < after) {
    const fetched = await Promise.race([local.download({ start: missingFrom, end: after }).done().then(() => true), sleep(waitMs).then(() => false)])
    if (!fetched) throw new RestoredWriterError(`the members hold ${after - missingFrom} entries of this node's log this data dir lacks, but did not send them within ${Math.round(waitMs / 1000)} s: start it again`)
  }
  return { before, after, fetched: Math.max(0, after - missingFrom) }
}

export async function guardRestoredWriter(opts: RestoredGuardOptions): Promise<RestoredGuardResult> {
  const ownSwarmKey = Buffer.from((await opts.store.createKeyPair('hashcoop-swarm')).publicKey).toString('hex')
  const base = await bareStoreBase(opts.store, opts.baseKey)
  // Open before replicating, so every connection carries it from the start.
  const local = opts.store.get({ name: 'local' })
  await local.ready()
  const lookingForPeers = local.findingPeers()
  // No keyPair: a throwaway identity, so that the old node (which has ours) is a peer like another.
  const swarm = await CoopSwarm.start({ base, consensusId: opts.consensusId, dht: await sameNetworkDht(opts.dht), log: opts.log })
  try {
    opts.log.info({ wait: opts.waitMs }, 'restored data dir: looking for the node this backup came from, and for its latest log, before appending')
    const seen = await settlePeers(swarm, ownSwarmKey, Date.now() + opts.waitMs)
    if (seen === 'old-node') {
      throw new RestoredWriterError(
        `the node this backup was taken from is running (it answered on the cooperative's swarm as ${shortKey(Buffer.from(ownSwarmKey, 'hex'))}, this store's own key): ` +
          'two nodes with one writer key would fork its log. Stop that node for good (or wipe its data dir), then start this one'
      )
    }
    if (seen === 'timeout') {
      if (!opts.alone) {
        throw new RestoredWriterError(
          `no member of the cooperative answered within ${Math.round(opts.waitMs / 1000)} s, so nothing tells whether this node's log grew after the backup: ` +
            'start it again when the members are reachable, or pass --restored-alone if you know the backup holds all this node wrote (e.g. a founder alone in its cooperative)'
        )
      }
      opts.log.warn({}, 'no member answered; going on as --restored-alone says: the backup must hold all this node wrote')
      return { peers: 0, lengthBefore: -1, lengthAfter: -1, fetched: 0 }
    }
    lookingForPeers()
    const tail = await takeOwnTail(local, opts.waitMs)
    opts.log.info({ peers: swarm.peerCount, before: tail.before, after: tail.after }, `restored writer: the old node is not on the swarm; took ${tail.fetched} entries of this node's log it lacked (written after the backup) from ${swarm.peerCount} peers; the log has ${tail.after}`)
    return { peers: swarm.peerCount, lengthBefore: tail.before, lengthAfter: tail.after, fetched: tail.fetched }
  } catch (err) {
    if (!(err instanceof RestoredWriterError)) throw new RestoredWriterError(`checking the restored data dir failed: ${errorMessage(err)}`, { cause: err })
    throw err
  } finally {
    lookingForPeers()
    await swarm.close()
    await local.close()
  }
}
