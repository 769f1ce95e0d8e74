/**
 * A dead disk stops the node loudly, and loses nothing: a real `hashcoop node` process whose data dir
 * is a small tmpfs, a CPU miner on it over real stratum, bcoin regtest in this process and a loopback
 * DHT. The disk fills up while it mines: the process logs the storage failure at fatal level and
 * exits non-zero, instead of answering miners it cannot store. With space again, the same data dir
 * starts, and every share the miner was told was accepted is in its share-chain. Before that, the
 * node warns that the small disk holds less than a day of shares, and shows it in /api/status and
 * /metrics; when it stops, the miner is told why before its session closes.
 *
 * Needs root (mount -t tmpfs): CI runs as root. Elsewhere the test is skipped, saying why.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addressToScript } from '../../../src/bitcoin/address.js'
import { difficultyToTarget, targetToBits } from '../../../src/bitcoin/target.js'
import { initCooperative } from '../../../src/node/node.js'
import { CpuDriver } from '../../../src/drivers/cpu.js'
import { StratumClient } from '../../../src/drivers/stratum-client.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { freePort, startRegtest, type RegtestNode } from '../../harness/regtest.js'
import { waitFor } from '../../harness/wait.js'

const BIN = fileURLToPath(new URL('../../../src/cli/bin.ts', import.meta.url))
const MINER = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'
const STRANGER = 'bcrt1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qzf4jry'

function tryMount(dir: string, sizeMb: number): string | null {
  if (process.getuid?.() !== 0) return 'not root'
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: 'pipe' })
    return null
  } catch (err) {
    return `mount failed: ${(err as Error).message}`
  }
}

const mountPoint = mkdtempSync(join(tmpdir(), 'hashcoop-disk-'))
const cannotMount = tryMount(mountPoint, 48)
if (cannotMount !== null) process.stderr.write(`[dead-disk] skipped: ${cannotMount}\n`)

let regtest: RegtestNode
let dht: LocalDht
const children: ChildProcess[] = []
let driver: CpuDriver | null = null
let client: StratumClient | null = null

interface NodeProcess {
  child: ChildProcess
  lines: Record<string, unknown>[]
  exited: Promise<number | null>
}

function startNode(dataDir: string, stratumPort: number, apiPort: number): NodeProcess {
  const args = ['--import', 'tsx', BIN, 'node', '--data', dataDir, '--bitcoind', regtest.rpcUrl, '--rpc-user', regtest.user, '--stratum', `127.0.0.1:${stratumPort}`, '--http', `127.0.0.1:${apiPort}`, '--bootstrap', dht.bootstrap.join(','), '--log-format', 'json', '--poll-ms', '100']
  const child = spawn(process.execPath, args, { env: { ...process.env, HASHCOOP_RPC_PASSWORD: regtest.password }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  const lines: Record<string, unknown>[] = []
  let rest = ''
  const take = (chunk: Buffer): void => {
    rest += chunk.toString()
    const parts = rest.split('\n')
    rest = parts.pop() ?? ''
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p) as Record<string, unknown>)
      } catch {
        lines.push({ msg: p })
      }
    }
  }
  child.stdout?.on('data', take)
  child.stderr?.on('data', take)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, lines, exited }
}


/** Writes zeros into `path` until the disk refuses (ENOSPC): the disk is then full. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w')
  const chunk = Buffer.alloc(1 << 20)
  try {
    for (;;) writeSync(fd, chunk)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  } finally {
    closeSync(fd)
  }
}

interface StorageBody {
  ok: boolean
  failure: string | null
  freeBytes: number | null
  lowSpaceBytes: number
  low: boolean
}

async function storageOf(apiPort: number): Promise<StorageBody> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/api/status`)
  return ((await res.json()) as { storage: StorageBody }).storage
}

async function metricsOf(apiPort: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text()
}

/** The share-chain's share count a node's HTTP API reports. */
async function sharesOf(apiPort: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/api/status`)
  const body = (await res.json()) as { shareChain: { shares: number } }
  return body.shareChain.shares
}

beforeAll(async () => {
  if (cannotMount !== null) return
  regtest = await startRegtest()
  await regtest.mineToScript(440, addressToScript(STRANGER, 'regtest'))
  dht = await startLocalDht()
}, 120_000)

afterAll(async () => {
  await client?.stop().catch(() => {})
  await driver?.stop()
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  await dht?.stop()
  await regtest?.close()
  if (cannotMount === null) {
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' })
    } catch {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' })
    }
  }
  rmSync(mountPoint, { recursive: true, force: true })
}, 60_000)

describe.skipIf(cannotMount !== null)('a node whose disk fills up', () => {
  it('logs the storage failure at fatal level and exits non-zero; with space again, every accepted share is there', async () => {
    const dataDir = join(mountPoint, 'node')
    await initCooperative({ dataDir, network: 'regtest', overrides: { shareInterval: 2, halfLife: 60, initialShareBits: targetToBits(difficultyToTarget(0.0002)), windowShares: 50 } })
    const port = await freePort()
    const apiPort = await freePort()
    const first = startNode(dataDir, port, apiPort)
    await waitFor('the node to run', 60_000, () => first.lines.some((l) => String(l.msg).startsWith('dashboard and API on')))
    // 48 MB holds less than a day of shares at a 2 s share interval (~224 MB): said from the start.
    await waitFor('the low-disk warning', 30_000, () => first.lines.some((l) => /disk nearly full in .* less than a day of the cooperative's shares/.test(String(l.msg))))
    const storage = await storageOf(apiPort)
    expect(storage).toMatchObject({ ok: false, failure: null, low: true })
    expect(storage.freeBytes).toBeLessThan(48e6)
    expect(storage.lowSpaceBytes).toBe(Math.ceil(86_400 / 2) * 5_000 + 8 * 1024 * 1024)
    const metrics = await metricsOf(apiPort)
    expect(metrics).toMatch(/^hashcoop_disk_low 1$/m)
    expect(metrics).toMatch(/^hashcoop_storage_failed 0$/m)
    expect(metrics).toMatch(/^hashcoop_disk_free_bytes \d+/m)

    driver = new CpuDriver({ threads: 1 })
    await driver.start()
    const miner = new StratumClient({ host: '127.0.0.1', port, username: `${MINER}.rig1`, password: 'x', driver })
    client = miner
    const told: string[] = []
    miner.on('message', (text) => told.push(text))
    miner.start()
    // Every share the node has in its view was acknowledged to the miner only after it was stored.
    let stored = 0
    await waitFor('three shares in the share-chain', 150_000, async () => (stored = await sharesOf(apiPort)) >= 3)

    fillDisk(join(mountPoint, 'filler'))
    const watchStored = setInterval(() => void sharesOf(apiPort).then((n) => (stored = Math.max(stored, n)), () => {}), 200)
    const code = await Promise.race([first.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 45_000))])
    clearInterval(watchStored)
    expect(code).toBe(1)
    const fatal = first.lines.find((l) => l.level === 60 || l.level === 'fatal')
    expect(String(fatal?.msg)).toMatch(/storage failed \(.*(no space left|ENOSPC)/i)
    expect(first.lines.some((l) => /storage failed in .* stopping the node/.test(String(l.msg)))).toBe(true)
    expect(told.some((t) => /this node is stopping, its storage failed/.test(t))).toBe(true)
    await miner.stop()
    client = null

    rmSync(join(mountPoint, 'filler'))
    const secondApi = await freePort()
    const second = startNode(dataDir, await freePort(), secondApi)
    await waitFor('the node to run again', 60_000, () => second.lines.some((l) => String(l.msg).startsWith('dashboard and API on')))
    expect(await sharesOf(secondApi)).toBeGreaterThanOrEqual(stored)
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  }, 360_000)
})
