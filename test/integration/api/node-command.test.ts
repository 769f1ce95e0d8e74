/**
 * `hashcoop init`, `hashcoop node` and `hashcoop coop` as an operator runs them (in process, on a
 * loopback DHT): the founder's node and a joiner's, the joiner added as a writer through the
 * running founder's API (api.json in its data dir), the logs JSON without secrets, a clean stop
 * removing api.json, and an admin op appended to a stopped node's data dir.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCoop } from '../../../src/cli/coop.js'
import { runInit } from '../../../src/cli/init.js'
import { runNode } from '../../../src/cli/node.js'
import type { HashcoopNode } from '../../../src/node/node.js'
import type { ApiServer } from '../../../src/api/server.js'
import { API_FILE } from '../../../src/api/admin.js'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { startRegtest, type RegtestNode } from '../../harness/regtest.js'

let regtest: RegtestNode
let dht: LocalDht
const dirs: string[] = []

interface Running {
  node: HashcoopNode
  api: ApiServer | null
  logs: string[]
  stop: () => void
  exited: Promise<number>
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hashcoop-cmd-'))
  dirs.push(d)
  return d
}

async function startNode(argv: string[]): Promise<Running> {
  const logs: string[] = []
  let stop = (): void => {}
  const stopped = new Promise<void>((resolve) => (stop = resolve))
  let ready!: (r: { node: HashcoopNode; api: ApiServer | null }) => void
  const up = new Promise<{ node: HashcoopNode; api: ApiServer | null }>((resolve) => (ready = resolve))
  let err = ''
  const exited = runNode(argv, {
    env: {},
    out: () => {},
    err: (t) => (err += t),
    stopped: () => stopped,
    onReady: ready,
    dht: dht.choice(),
    logDestination: { write: (line: string) => void logs.push(line) }
  })
  const first = await Promise.race([up, exited.then((code) => code)])
  if (typeof first === 'number') throw new Error(`hashcoop node exited ${first}: ${err} ${logs.join('')}`)
  return { ...first, logs, stop, exited }
}

async function coop(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runCoop(argv, { env: {}, out: (t) => (out += t), err: (t) => (err += t) })
  return { code, out, err }
}

beforeAll(async () => {
  regtest = await startRegtest()
  dht = await startLocalDht()
}, 60_000)

afterAll(async () => {
  await dht?.stop()
  await regtest?.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
}, 30_000)

describe('operating a cooperative with the commands', () => {
  it('init, two nodes, coop add-writer through the API, clean stops, then an offline op', async () => {
    const founderDir = tempDir()
    let joinKey = ''
    let initErr = ''
    expect(await runInit(['--data', founderDir, '--network', 'regtest', '--name', 'op-test'], { env: {}, out: (t) => (joinKey += t), err: (t) => (initErr += t) })).toBe(0)
    joinKey = joinKey.trim()
    expect(joinKey).toMatch(/^hashcoop1[02-9ac-hj-np-z]+$/)
    expect(initErr).toContain('created a public regtest cooperative "op-test"')
    // A second init in the same dir is refused.
    expect(await runInit(['--data', founderDir, '--network', 'regtest'], { env: {}, out: () => {}, err: () => {} })).toBe(1)

    const common = ['--bitcoind', regtest.rpcUrl, '--rpc-user', regtest.user, '--rpc-password', regtest.password, '--stratum', '127.0.0.1:0', '--http', '127.0.0.1:0', '--log-format', 'json', '--poll-ms', '100']
    const founder = await startNode(['--data', founderDir, ...common])
    const joinerDir = tempDir()
    const joiner = await startNode(['--data', joinerDir, '--join', joinKey, ...common])
    expect(existsSync(join(founderDir, API_FILE))).toBe(true)

    // The joiner's key, asked of its running node, then added by the founder's running node.
    const key = await coop(['key', '--data', joinerDir])
    expect(key).toMatchObject({ code: 0, err: '' })
    expect(key.out.trim()).toBe(toHex(joiner.node.base.localKey))
    expect(joiner.node.base.writable).toBe(false)
    const added = await coop(['add-writer', key.out.trim(), '--data', founderDir])
    expect(added.err).toBe('')
    expect(added.code).toBe(0)
    expect(added.out).toMatch(/appended by the running node/)
    const deadline = Date.now() + 30_000
    while (!joiner.node.base.writable && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(joiner.node.base.writable).toBe(true)
    // The joiner is no indexer: its node refuses, and says why.
    const refused = await coop(['add-indexer', key.out.trim(), '--data', joinerDir])
    expect(refused.code).toBe(1)
    expect(refused.err).toMatch(/only an indexer can add-indexer/)

    joiner.stop()
    founder.stop()
    expect(await founder.exited).toBe(0)
    expect(await joiner.exited).toBe(0)
    expect(existsSync(join(founderDir, API_FILE))).toBe(false)

    // JSON log lines, the start-up ones present, the RPC password nowhere.
    const lines = founder.logs.join('').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; config?: Record<string, unknown> })
    expect(lines.some((l) => l.msg.startsWith('dashboard and API on http://127.0.0.1:'))).toBe(true)
    expect(lines.some((l) => l.msg.startsWith("this node's writer key: "))).toBe(true)
    const config = lines.find((l) => l.msg === 'starting hashcoop node')?.config
    expect(config?.stratum).toEqual({ value: '127.0.0.1:0', source: 'flag' })
    expect(JSON.stringify(config?.['rpc-password'])).toMatch(/\*\*\*|\[redacted\]/)
    expect(founder.logs.join('')).not.toContain(regtest.password)
    expect(joiner.logs.join('')).not.toContain(regtest.password)

    // Stopped: the op goes straight into the data dir's log.
    const offline = await coop(['add-indexer', key.out.trim(), '--data', founderDir])
    expect(offline.err).toBe('')
    expect(offline.out).toMatch(/appended to .* log; the other members get it when this node next runs/)
    const nothing = await coop(['key', '--data', tempDir()])
    expect(nothing.code).toBe(1)
    expect(nothing.err).toMatch(/holds no cooperative \(no coop\.json\)/)
  }, 120_000)
})
