import { resolve } from 'node:path'
import { ADMIN_OPS, isAdminOp, parseWriterKey, readApiFile, runAdminOp, WriterKeyError, type AdminOpName, type ApiFile } from '../api/admin.js'
import { toHex } from '../bitcoin/bytes.js'
import { DataDirLockedError } from '../coop/store.js'
import { ConfigError } from '../config/errors.js'
import { CONFIG_OPTION, DATA_OPTION, HELP_OPTION } from '../config/node.js'
import { resolveOptions } from '../config/sources.js'
import { optionsHelp, type OptionSpec } from '../config/spec.js'
import { registerCommand } from './commands.js'
import { NoCooperativeError, withStoppedNode } from './coop-offline.js'
import { reportUsage } from './usage.js'

/**
 * `hashcoop coop add-writer|add-indexer|remove-indexer KEY` and `hashcoop coop key`.
 *
 * A running node holds its data dir, so the op goes through the node: its HTTP API on localhost,
 * authenticated by the token the node wrote to DATA/api.json (readable only by the data dir's
 * owner). A stopped node's data dir is opened directly and the op appended to its log; it reaches
 * the other members when the node runs again. Only an indexer's ops take effect.
 */
const COOP_OPTIONS: OptionSpec[] = [DATA_OPTION, CONFIG_OPTION, HELP_OPTION]

export const COOP_HELP = `Usage: hashcoop coop <operation> [KEY] [--data DIR]

Membership of the cooperative's log (run on an indexer's node, e.g. the founder's):
  add-writer KEY       let the node with writer key KEY append shares directly
  add-indexer KEY      make it an indexer (signs the log's order; may run these operations)
  remove-indexer KEY   remove a writer or an indexer (the last indexer cannot be removed)
  key                  print this node's writer key (what to give an indexer)

KEY is a node's writer key, 64 hex digits: 'hashcoop coop key' on that node prints it, its log
says it at start, and its GET /api/status shows it as node.writerKey.

A running node is asked through its HTTP API (DATA/api.json holds its URL and admin token); a
stopped node's data dir is opened directly, and the operation reaches the other members when the
node next runs. A node running with --http off must be stopped first.

Options:
${optionsHelp(COOP_OPTIONS)}`

export interface CoopIo {
  env: NodeJS.ProcessEnv
  out: (text: string) => void
  err: (text: string) => void
}

type Operation = AdminOpName | 'key'

export async function runCoop(argv: readonly string[], io: CoopIo): Promise<number> {
  let op: Operation
  let key: Uint8Array | null = null
  let dataDir: string
  try {
    const o = await resolveOptions(COOP_OPTIONS, { argv, env: io.env, allowPositionals: true })
    if (o.flag('help')) {
      io.out(COOP_HELP + '\n')
      return 0
    }
    const [name, keyText, ...extra] = o.positionals
    if (name === undefined) throw new ConfigError('operation', `give an operation: ${[...ADMIN_OPS, 'key'].join(', ')}`)
    if (name !== 'key' && !isAdminOp(name)) throw new ConfigError('operation', `unknown operation '${name}' (known: ${[...ADMIN_OPS, 'key'].join(', ')})`)
    op = name as Operation
    if (op === 'key') {
      if (keyText !== undefined) throw new ConfigError('operation', "'key' takes no argument")
    } else {
      if (keyText === undefined) throw new ConfigError('KEY', `KEY: ${op} needs the node's writer key (64 hex digits)`)
      if (extra.length > 0) throw new ConfigError('KEY', `KEY: one key at a time, got ${extra.length + 1}`)
      try {
        key = parseWriterKey(keyText)
      } catch (err) {
        if (err instanceof WriterKeyError) throw new ConfigError('KEY', `KEY: ${err.message}`)
        throw err
      }
    }
    dataDir = resolve(o.string('data') as string)
  } catch (err) {
    return reportUsage('coop', err, io.err)
  }

  try {
    const api = await readApiFile(dataDir)
    if (api !== null) {
      const answered = await viaApi(api, op, key)
      if (answered !== null) {
        io.out(answered + '\n')
        return 0
      }
      // Nobody listens at the recorded URL: a node that crashed left the file. Try the data dir.
    }
    const text = await withStoppedNode(dataDir, async (base) => {
      if (op === 'key') return toHex(base.localKey)
      await runAdminOp(base, op, key as Uint8Array)
      return `${op} ${toHex(key as Uint8Array)}: appended to ${dataDir}'s log; the other members get it when this node next runs`
    })
    io.out(text + '\n')
    return 0
  } catch (err) {
    io.err(`hashcoop coop: ${explain(err, dataDir)}\n`)
    return 1
  }
}

function explain(err: unknown, dataDir: string): string {
  if (err instanceof DataDirLockedError) {
    return `the node in ${dataDir} is running (${err.pid === null ? 'pid unknown' : `pid ${err.pid}`}) but its HTTP API does not answer: stop the node and run this again, or start it with its HTTP API (--http, not off)`
  }
  if (err instanceof ApiAnswerError || err instanceof NoCooperativeError) return err.message
  return err instanceof Error ? err.message : String(err)
}

class ApiAnswerError extends Error {}

/** The node's answer, or null when nothing listens at the recorded URL. */
async function viaApi(api: ApiFile, op: Operation, key: Uint8Array | null): Promise<string | null> {
  const headers = { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' }
  let res: Response
  try {
    res = op === 'key' ? await fetch(`${api.url}/api/status`) : await fetch(`${api.url}/api/admin/${op}`, { method: 'POST', headers, body: JSON.stringify({ key: toHex(key as Uint8Array) }) })
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return null
    throw new ApiAnswerError(`the node's API at ${api.url} failed: ${err instanceof Error ? err.message : String(err)}`)
  }
  const body = (await res.json().catch(() => ({}))) as { error?: string; node?: { writerKey?: string } }
  if (!res.ok) throw new ApiAnswerError(`the node refused ${op}: ${body.error ?? `HTTP ${res.status}`}`)
  if (op === 'key') return body.node?.writerKey ?? ''
  return `${op} ${toHex(key as Uint8Array)}: appended by the running node (pid ${api.pid}); it takes effect once the log applies it`
}

registerCommand({
  name: 'coop',
  summary: 'membership: add-writer, add-indexer, remove-indexer, key',
  run: (argv) => runCoop(argv, { env: process.env, out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) })
})
