/**
 * `hashcoop backup` and `hashcoop restore` (src/node/backup.ts; docs/operator-guide.md, Backups).
 * A running node is asked through its HTTP API (DATA/api.json) to write the snapshot itself; a
 * stopped node's data dir is opened and copied here.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { readApiFile, type ApiFile } from '../api/admin.js'
import { DataDirLockedError } from '../coop/store.js'
import { backupDataDir, restoreBackup, type BackupResult } from '../node/backup.js'
import { registerCommand } from './commands.js'

export const BACKUP_HELP = `Usage: hashcoop backup --data DIR --out FILE [--force]

Writes a consistent snapshot of a node's data dir to FILE (mode 0600: it holds the node's keys
and its cooperative's join key): coop.json, the node's other files, and its whole store as of one
instant. The node may be running (it writes the snapshot itself, asked through its HTTP API) or
stopped. 'hashcoop restore FILE --data NEWDIR' brings it back on this or another machine.

Options:
  --data DIR             the node's data dir (default ~/.hashcoop)
  --out FILE             where to write the backup (required)
  --force                replace FILE if it exists
  -h, --help             show this help

Exit status: 0 written, 2 bad command line, 1 the backup could not be made.`

export const RESTORE_HELP = `Usage: hashcoop restore FILE --data NEWDIR

Restores a backup made by 'hashcoop backup' into NEWDIR (new or empty), with the same writer key
and share-chain as the node it was taken from. Two live nodes with one writer key would fork its
log, so the restored node checks before it appends anything: it refuses to start while the old
node is reachable on the cooperative's swarm, takes from the members whatever the old node
appended after the backup, and, when no member answers within 30 s, starts only with
'hashcoop node --restored-alone' (you vouch that the backup holds all the old node wrote).
Never start the old data dir again once the restored node runs: wipe it.

Options:
  --data NEWDIR          where to restore (required; must not exist or be empty)
  -h, --help             show this help

Exit status: 0 restored, 2 bad command line, 1 the restore failed (NEWDIR is left out).`

export interface BackupIo {
  out: (text: string) => void
  err: (text: string) => void
}

const DEFAULT_DATA = '~/.hashcoop'

function expandHome(path: string): string {
  return path.startsWith('~/') ? resolve(process.env.HOME ?? '.', path.slice(2)) : resolve(path)
}

function usage(command: string, io: BackupIo, message: string): number {
  io.err(`hashcoop ${command}: ${message}\nRun 'hashcoop ${command} --help' for the options.\n`)
  return 2
}

/** The running node's answer, or null when nothing listens at the URL its api.json records. */
async function backupViaApi(api: ApiFile, out: string, force: boolean): Promise<BackupResult | null> {
  let res: Response
  try {
    res = await fetch(`${api.url}/api/admin/backup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ out, force })
    })
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return null // a crashed node left api.json
    throw err
  }
  const body = (await res.json().catch(() => ({}))) as BackupResult & { error?: string }
  if (!res.ok) throw new Error(`the running node (pid ${api.pid}) could not write it: ${body.error ?? `HTTP ${res.status}`}`)
  return body
}

export async function runBackup(argv: string[], io: BackupIo): Promise<number> {
  let values
  try {
    values = parseArgs({ args: argv, strict: true, options: { data: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }).values
  } catch (err) {
    return usage('backup', io, err instanceof Error ? err.message : String(err))
  }
  if (values.help === true) {
    io.out(BACKUP_HELP + '\n')
    return 0
  }
  if (values.out === undefined || values.out.trim() === '') return usage('backup', io, '--out FILE is required')
  const dataDir = expandHome(values.data ?? DEFAULT_DATA)
  const out = resolve(values.out)
  const force = values.force === true
  try {
    const api = await readApiFile(dataDir)
    const online = api === null ? null : await backupViaApi(api, out, force)
    const r = online ?? (await backupDataDir(dataDir, out, { force }))
    io.out(`wrote ${r.out} (${online === null ? 'offline' : 'online, from the running node'}): ${r.bytes} bytes, ${r.files} files, ${r.records} store records; writer key ${r.writerKey}\n`)
    return 0
  } catch (err) {
    const message =
      err instanceof DataDirLockedError
        ? `the node in ${dataDir} is running (${err.pid === null ? 'pid unknown' : `pid ${err.pid}`}) but its HTTP API does not answer: start it with its HTTP API (--http, not off), or stop it and run this again`
        : err instanceof Error
          ? err.message
          : String(err)
    io.err(`hashcoop backup: ${message}\n`)
    return 1
  }
}

export async function runRestore(argv: string[], io: BackupIo): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { data: { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
  } catch (err) {
    return usage('restore', io, err instanceof Error ? err.message : String(err))
  }
  if (parsed.values.help === true) {
    io.out(RESTORE_HELP + '\n')
    return 0
  }
  const [file, ...extra] = parsed.positionals
  if (file === undefined || extra.length > 0) return usage('restore', io, 'give exactly one backup FILE')
  if (parsed.values.data === undefined) return usage('restore', io, '--data NEWDIR is required')
  const started = Date.now()
  try {
    const r = await restoreBackup(resolve(file), expandHome(parsed.values.data))
    io.out(
      `restored ${file} (taken ${r.meta.createdAt}, ${r.meta.mode}) into ${r.dataDir} in ${Date.now() - started} ms: ${r.files} files, ${r.records} store records; writer key ${r.meta.writerKey}\n` +
        `next: hashcoop node --data ${r.dataDir} ... (it first checks that the node this backup came from is gone: see 'hashcoop restore --help')\n`
    )
    return 0
  } catch (err) {
    io.err(`hashcoop restore: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
}

const processIo: BackupIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }
registerCommand({ name: 'backup', summary: "write a consistent snapshot of a node's data dir (running or stopped)", run: (argv) => runBackup(argv, processIo) })
registerCommand({ name: 'restore', summary: 'restore a backup into a new data dir, guarded against two live copies of one writer key', run: (argv) => runRestore(argv, processIo) })
