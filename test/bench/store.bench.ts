/**
 * Disk per share (issue 17): a founder's data dir after N shares appended one at a time, as a
 * running node appends them (one apply per share, so nothing coalesces as in a bulk catch-up).
 * Each share pays to one of 100 addresses (a window full of payees). Counted: the bytes the data
 * dir's files hold on disk after the store is closed (RocksDB flushed), minus the empty store's,
 * and what each Hypercore holds (log, system core, view) so the overhead can be placed.
 */
import { execFileSync } from 'node:child_process'
import { consensusId } from '../../protocol/params.js'
import { encodeEntry } from '../../protocol/share.js'
import { ChainPeer } from '../harness/chain-peer.js'
import { minerScript, TestChain, testParams } from '../harness/sharechain.js'
import { emit } from './lib.js'

const SHARES = Number(process.env.STORE_SHARES ?? 10_000)
/** The founder never joins a swarm here (offline: true), so it never asks for a DHT. */
const offline = { choice: (): never => { throw new Error('the store bench runs offline') } }

function diskBytes(dir: string): number {
  // du's allocated size: what the disk really gives the store (sparse and pre-allocated files included).
  return Number(execFileSync('du', ['-s', '--block-size=1', dir], { encoding: 'utf8' }).split('\t')[0])
}

/** Allocated bytes of the RocksDB files under dir by kind: write-ahead log (*.log) and tables (the rest). */
function filesByKind(dir: string): { wal: number; tables: number } {
  const out = execFileSync('find', [dir, '-type', 'f', '-printf', '%b %p\\n'], { encoding: 'utf8' })
  let wal = 0
  let tables = 0
  for (const line of out.trim().split('\n')) {
    const [blocks, path] = line.split(' ') as [string, string]
    const bytes = Number(blocks) * 512
    if (/\/\d+\.log$/.test(path)) wal += bytes
    else tables += bytes
  }
  return { wal, tables }
}

/** The view's blocks per share and their mean size by key kind (share!, miner!, height!, and the rest: tip and stats). */
async function viewBlocksByKind(core: { length: number; get(i: number): Promise<unknown> }, shares: number): Promise<Record<string, unknown>> {
  const sample = Math.min(core.length, 2000)
  const kinds = new Map<string, { n: number; bytes: number }>()
  for (let i = core.length - sample; i < core.length; i++) {
    const block = (await core.get(i)) as Uint8Array
    const kind = /([a-z]+)!/.exec(Buffer.from(block.subarray(0, 200)).toString('latin1'))?.[1] ?? 'tip/stats'
    const k = kinds.get(kind) ?? { n: 0, bytes: 0 }
    k.n++
    k.bytes += block.length
    kinds.set(kind, k)
  }
  const meanSize = Object.fromEntries([...kinds].map(([kind, k]) => [kind, Math.round(k.bytes / k.n)]))
  return { perShare: Number((core.length / shares).toFixed(2)), meanBytes: meanSize }
}

function log(msg: string): void {
  process.stderr.write(`[store] ${msg}\n`)
}

async function main(): Promise<void> {
  const params = testParams({ initialShareBits: 0x207fffff, maxShareBits: 0x207fffff }, 'store-bench')
  const mem = await TestChain.create(params)
  const entries: Uint8Array[] = []
  for (let i = 0; i < SHARES; i++) entries.push(encodeEntry({ type: 'share', share: await mem.extend(minerScript(i % 100)) }))
  const logBytes = entries.reduce((n, e) => n + e.length, 0)
  log(`mined ${SHARES} shares (${(logBytes / SHARES).toFixed(0)} B each encoded)`)

  const founder = await ChainPeer.start({ name: 'store', consensusId: consensusId(params), found: params, bootstrapKey: null, dht: offline, offline: true })
  const dir = founder.dataDir
  await founder.stop()
  const empty = diskBytes(dir)
  const peer = await ChainPeer.start({ name: 'store', consensusId: consensusId(params), bootstrapKey: null, dht: offline, offline: true, dataDir: dir })
  for (const e of entries) await peer.base.append(e)
  await peer.base.update()
  const stats = await peer.stats()
  if (stats?.shares !== SHARES || stats.invalid !== 0) throw new Error(`not applied: ${JSON.stringify(stats)}`)
  // The system core is not in the local Autobase type declarations (src/types): read it loosely.
  const ab = peer.base.autobase as unknown as { local: { byteLength: number }; system?: { core?: { byteLength: number } } }
  const viewBlocks = await viewBlocksByKind(peer.base.view.core, SHARES)
  const cores = {
    log: ab.local.byteLength,
    system: ab.system?.core?.byteLength,
    view: peer.base.view.core.byteLength
  }
  await peer.stop()
  const full = diskBytes(dir)
  const files = filesByKind(dir)
  emit({
    name: 'store_bytes_per_share',
    value: (full - empty) / SHARES,
    unit: 'B',
    shares: SHARES,
    encodedShareBytes: Math.round(logBytes / SHARES),
    emptyStoreBytes: empty,
    writeAheadLogBytes: files.wal,
    tableBytesPerShare: Math.round(files.tables / SHARES),
    viewBlocksPerShare: viewBlocks,
    coreBytesPerShare: Object.fromEntries(Object.entries(cores).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v / SHARES) : null])),
    measured: 'du of the data dir after closing, minus the empty store; shares appended one at a time'
  })
  await peer.destroy()
}

await main()
