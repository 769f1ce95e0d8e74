// `hashcoop backup` and `hashcoop restore` (docs/operator-guide.md, Backups).
//
// A backup is the data dir's own files (coop.json, found blocks, worker stats, held blocks) and a
// key/value copy of its store taken from one RocksDB read snapshot (backup-archive.ts says why not
// the store's files). Offline, the backup opens the data dir itself, so its lock proves the node is
// stopped; online, the running node takes the snapshot (POST /api/admin/backup).
// A restore writes a new store (which records its own device file, so no copied-store refusal) and
// marks the dir restored: the node then checks, before its writer appends anything, that the node
// the backup came from is gone and that it holds its own log's whole tail (restored-guard.ts).

import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type Corestore from 'corestore'
import { localWriterKey, openCoopStore, storeRecords, writeStoreRecords } from '../coop/store.js'
import { readBackupArchive, writeBackupArchive, type BackupItem, type BackupMeta } from './backup-archive.js'
import { writeRestoredMarker, RESTORED_FILE } from './restored-guard.js'

/** Files of a data dir that belong to one running process, never to a backup. */
const PROCESS_FILES = new Set(['hashcoop.pid', 'api.json', RESTORED_FILE])

export interface BackupResult {
  out: string
  bytes: number
  files: number
  records: number
  writerKey: string
}

async function* dataDirFiles(dataDir: string): AsyncGenerator<BackupItem> {
  for (const entry of await readdir(dataDir, { withFileTypes: true })) {
    if (!entry.isFile() || PROCESS_FILES.has(entry.name) || entry.name.endsWith('.tmp')) continue
    yield { kind: 'file', name: entry.name, data: await readFile(join(dataDir, entry.name)) }
  }
}

async function* backupItems(dataDir: string, store: Corestore): AsyncGenerator<BackupItem> {
  yield* dataDirFiles(dataDir)
  for await (const r of storeRecords(store)) yield { kind: 'record', ...r }
}

async function refuseExisting(out: string, force: boolean): Promise<void> {
  if (force) return
  const exists = await stat(out).then(
    () => true,
    () => false
  )
  if (exists) throw new Error(`${out} exists: pass --force to replace it`)
}

/** A backup of an open store (the running node's, or one the offline backup opened). */
export async function backupOpenStore(dataDir: string, store: Corestore, out: string, opts: { mode: BackupMeta['mode']; force?: boolean }): Promise<BackupResult> {
  await refuseExisting(out, opts.force === true)
  const writerKey = Buffer.from(await localWriterKey(store)).toString('hex')
  const meta: BackupMeta = { format: 'hashcoop-backup', createdAt: new Date().toISOString(), writerKey, mode: opts.mode }
  const written = await writeBackupArchive(out, meta, backupItems(resolve(dataDir), store))
  return { out, writerKey, ...written }
}

/** Offline: opens the data dir (DataDirLockedError when its node runs), backs it up, closes it. */
export async function backupDataDir(dataDir: string, out: string, opts: { force?: boolean } = {}): Promise<BackupResult> {
  await stat(join(dataDir, 'coop.json')).catch(() => {
    throw new Error(`${dataDir} is not a hashcoop data dir (no coop.json)`)
  })
  const coop = await openCoopStore(dataDir)
  try {
    return await backupOpenStore(coop.dataDir, coop.store, out, { mode: 'offline', ...opts })
  } finally {
    await coop.close()
  }
}

export interface RestoreResult {
  dataDir: string
  files: number
  records: number
  meta: BackupMeta
}

async function refuseNonEmpty(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [])
  if (entries.length > 0) throw new Error(`${dir} is not empty: restore into a new data dir`)
}

/** Files go to the data dir as they come; the store's records are handed on. */
async function* recordsOf(items: AsyncIterable<BackupItem>, dir: string, counts: { files: number }): AsyncGenerator<{ key: Buffer; value: Buffer }> {
  for await (const item of items) {
    if (item.kind === 'record') {
      yield item
      continue
    }
    await writeFile(join(dir, item.name), item.data, { mode: 0o600 })
    counts.files++
  }
}

/**
 * Restores a backup into a new, empty data dir and marks it restored. Opens the store once at the
 * end, so that a restore which would not start fails here and not at the node's first start.
 */
export async function restoreBackup(file: string, dataDir: string): Promise<RestoreResult> {
  const dir = resolve(dataDir)
  await refuseNonEmpty(dir)
  const reader = await readBackupArchive(file)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  try {
    // The marker first: a restore cut short must not start as if it were the original node.
    await writeRestoredMarker(dir, reader.meta)
    const counts = { files: 0 }
    const records = await writeStoreRecords(dir, recordsOf(reader.items, dir, counts))
    const check = await openCoopStore(dir)
    let key: string
    try {
      key = Buffer.from(await localWriterKey(check.store)).toString('hex')
    } finally {
      await check.close() // before the dir is removed on failure
    }
    if (key !== reader.meta.writerKey) throw new Error(`the restored store's writer key ${key} is not the backup's ${reader.meta.writerKey}`)
    return { dataDir: dir, files: counts.files, records, meta: reader.meta }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}
