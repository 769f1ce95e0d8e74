// The node's data dir and its Corestore, held by at most one process at a time.
//
// Who holds the lock: RocksDB's own OS file lock (fd-lock, an flock on the store's LOCK file).
// The kernel releases it when the holder dies, even by kill -9, so a stale lock cannot exist and
// needs no recovery logic; a lock file of our own with a pid inside could go stale and then
// wrongly refuse to start (or, after pid reuse, wrongly believe the holder is alive).
// The pid file written next to the store only makes the error message useful: it names the
// process holding the lock. It is rewritten by every process that acquires the lock.

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import Corestore from 'corestore'
import CoreStorage from 'hypercore-storage'

export const STORE_SUBDIR = 'corestore'
const PID_FILE = 'hashcoop.pid'

/**
 * RocksDB's write buffer for a node's store. Its write-ahead log grows to this size before it is
 * flushed into tables, and every share writes ~19 kB of it (log, system core, the view's five
 * writes, most of them overwritten before a flush). At hypercore-storage's default, 64 MiB, a young
 * cooperative's store was mostly log: 19.6 kB per share at 3,000 shares. At 8 MiB: 5.6 kB, and
 * 4.6 kB at 10,000 (`npm run bench store`), for a flush every ~400 shares.
 */
export const STORE_WRITE_BUFFER_BYTES = 8 * 1024 * 1024

/** The Corestore of the data dir `dir` (absolute), with the node's storage options. */
function corestoreIn(dir: string): Corestore {
  return new Corestore(new CoreStorage(join(dir, STORE_SUBDIR), { writeBufferSize: STORE_WRITE_BUFFER_BYTES }))
}

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError'
  constructor(
    readonly dataDir: string,
    readonly pid: number | null
  ) {
    super(
      `already running (data dir ${dataDir} is locked by ${pid === null ? 'another process, pid unknown' : `pid ${pid}`})`
    )
  }
}

/**
 * The store was copied (a restored backup) or moved from another disk. Holepunch's storage refuses
 * it on purpose: the node's writer keys are inside, and a copy older than what its peers hold would
 * append different entries at the same positions of its own log, forking it. What restores a node
 * is `hashcoop restore` of a `hashcoop backup` (node/backup.ts, guarded by node/restored-guard.ts),
 * or its join key (coop.json): a fresh data dir gets the whole share-chain back from the members.
 */
export class DataDirCopiedError extends Error {
  override name = 'DataDirCopiedError'
  constructor(
    readonly dataDir: string,
    detail: string
  ) {
    super(
      `the data dir ${dataDir} was copied or moved from another disk (a restored backup? the store says: ${detail}), and its writer keys must not be used from a copy: ` +
        `it could fork this node's log in the cooperative. A backup made with 'hashcoop backup' restores with 'hashcoop restore', which guards against that. ` +
        `Otherwise: Start a fresh data dir with --join KEY (the key is in its coop.json); ` +
        `the share-chain comes back from the other members, and an indexer adds the new writer key (docs/operator-guide.md, Backups)`
    )
  }
}

function isCopiedStoreError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'DEVICE_FILE'
}

export interface CoopStore {
  readonly dataDir: string
  readonly store: Corestore
  /** Close the store (releasing the lock) and remove our pid file. */
  close(): Promise<void>
}

function isLockError(err: unknown): boolean {
  return err instanceof Error && /could not be locked/i.test(err.message)
}

async function readPid(dataDir: string): Promise<number | null> {
  try {
    const text = await readFile(join(dataDir, PID_FILE), 'utf8')
    const pid = Number.parseInt(text.trim(), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}

/**
 * Open (creating if needed) the Corestore in `dataDir`. Throws DataDirLockedError when another
 * process (or another open in this process) holds the data dir.
 */
export async function openCoopStore(dataDir: string): Promise<CoopStore> {
  const dir = resolve(dataDir)
  await mkdir(dir, { recursive: true })

  const store = corestoreIn(dir)
  try {
    await store.ready()
  } catch (err) {
    await store.close().catch(() => {})
    if (isLockError(err)) throw new DataDirLockedError(dir, await readPid(dir))
    if (isCopiedStoreError(err)) throw new DataDirCopiedError(dir, (err as Error).message)
    throw new Error(`cannot open the store in ${dir}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err
    })
  }

  // Atomic replace, so a concurrent reader never sees a half-written pid.
  const pidPath = join(dir, PID_FILE)
  const tmpPath = `${pidPath}.${process.pid}.tmp`
  await writeFile(tmpPath, `${process.pid}\n`)
  await rename(tmpPath, pidPath)

  let closing: Promise<void> | null = null
  return {
    dataDir: dir,
    store,
    close() {
      closing ??= (async () => {
        // Remove the pid file only while we still hold the lock, and only if it is ours.
        if ((await readPid(dir)) === process.pid) await rm(pidPath, { force: true })
        await store.close()
      })()
      return closing
    }
  }
}

/** This store's writer key: its Autobase input core, named 'local' (see base.ts existingCooperativeKey). */
export async function localWriterKey(store: Corestore): Promise<Uint8Array> {
  const local = store.get({ name: 'local', active: false })
  try {
    await local.ready()
    if (local.key === null) throw new Error('the store has no writer core')
    return local.key
  } finally {
    await local.close()
  }
}

/**
 * Every key/value of an open store as of one instant (a RocksDB read snapshot): a consistent
 * copy of a running node's store, since every hypercore append is one atomic write batch.
 */
export async function* storeRecords(store: Corestore): AsyncGenerator<{ key: Buffer; value: Buffer }> {
  const snapshot = store.storage.db.snapshot()
  try {
    for await (const { key, value } of snapshot.iterator({})) yield { key: Buffer.from(key), value: Buffer.from(value) }
  } finally {
    await snapshot.close()
  }
}

const RECORDS_PER_BATCH = 1024

/**
 * Writes a store's key/values into a new store at `dataDir`. The new store writes its own device
 * file (its own inode, on this disk), so it opens where a file copy would be refused.
 */
export async function writeStoreRecords(dataDir: string, records: AsyncIterable<{ key: Buffer; value: Buffer }>): Promise<number> {
  const store = corestoreIn(resolve(dataDir))
  const storage = store.storage
  await storage.ready()
  let count = 0
  let batch = storage.db.write()
  try {
    for await (const { key, value } of records) {
      // flush() reports a failed write; each put's own promise would only repeat it (or, on a
      // batch destroyed by a damaged backup, reject unobserved).
      batch.put(key, value).catch(() => {})
      if (++count % RECORDS_PER_BATCH === 0) {
        await batch.flush()
        batch.destroy()
        batch = storage.db.write()
      }
    }
    await batch.flush()
  } finally {
    // An open batch would hold the store open (a damaged backup ends the loop by throwing).
    batch.destroy()
    await storage.close()
  }
  return count
}
