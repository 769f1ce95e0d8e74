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

const STORE_SUBDIR = 'corestore'
const PID_FILE = 'hashcoop.pid'

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
 * is its join key (coop.json): a fresh data dir gets the whole share-chain back from the members.
 */
export class DataDirCopiedError extends Error {
  override name = 'DataDirCopiedError'
  constructor(
    readonly dataDir: string,
    detail: string
  ) {
    super(
      `the data dir ${dataDir} was copied or moved from another disk (a restored backup? the store says: ${detail}), and its writer keys must not be used from a copy: ` +
        `it could fork this node's log in the cooperative. Start a fresh data dir with --join KEY (the key is in its coop.json); ` +
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

  const store = new Corestore(join(dir, STORE_SUBDIR))
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
