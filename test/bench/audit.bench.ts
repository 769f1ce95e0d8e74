/**
 * Auditor figures (issue 6): replay rate and peak memory of `audit --file` over a 100,000-share
 * chain with 200 miners (regtest defaults: a 360-share window, 100 outputs, so the dust lottery is
 * busy), with forks credited as uncles and a found block every 1,000 shares.
 *
 * The chain is mined once (really: every share meets its target, every coinbase is the split) by
 * a generator that skips the view reads of a node's job building, then exported; the export is
 * cached in the OS temp dir under a hash of the parameters. The measurement runs in a fresh child
 * process so that its peak RSS is the audit's alone.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { toHex } from '../../src/bitcoin/bytes.js'
import { encodeHeader } from '../../src/bitcoin/header.js'
import { bitsToTarget } from '../../src/bitcoin/target.js'
import { defaultParams, encodeParams, type CoopParams } from '../../protocol/params.js'
import { encodeEntry, type Share } from '../../protocol/share.js'
import { ShareChain, type ShareRecord } from '../../src/sharechain/chain.js'
import { jobMerkleRoot, makeShareJob, shareFromSolution } from '../../src/sharechain/build.js'
import { MemoryView } from '../../src/sharechain/memory-view.js'
import { ShareChainState, type LogEntry } from '../../src/sharechain/state.js'
import type { WorkBase } from '../../src/sharechain/state.js'
import { validateShare } from '../../src/sharechain/validate.js'
import { audit } from '../../src/audit/audit.js'
import { openExport } from '../../src/audit/export-reader.js'
import { writeExport } from '../../src/audit/export-writer.js'
import { viewSource } from '../../src/audit/view-source.js'
import { grind } from '../unit/audit/fixtures.js'
import { minerScript, NEVER_A_BLOCK_BITS } from '../harness/sharechain.js'
import { emit } from './lib.js'

const SHARES = 100_000
const MINERS = 200
const FORK_EVERY = 50
const BLOCK_EVERY = 1000
const GENERATOR_VERSION = 1
const REGTEST_POW_LIMIT = 0x207fffff

function benchParams(): CoopParams {
  // regtest defaults, with the easiest share target so that mining a share takes two hashes
  return defaultParams('regtest', new Uint8Array(32).fill(6), 1_700_000_000, { initialShareBits: REGTEST_POW_LIMIT })
}

function cachePath(params: CoopParams): string {
  const key = createHash('sha256').update(`v${GENERATOR_VERSION}|${SHARES}|${MINERS}|${FORK_EVERY}|${BLOCK_EVERY}|${toHex(encodeParams(params))}`).digest('hex').slice(0, 16)
  return join(tmpdir(), `hashcoop-audit-bench-${SHARES}-${MINERS}-${key}.hcx`)
}

/**
 * A node's work base from the chain index alone (the node builds it from its view: same numbers).
 * Child of `parent`, crediting `uncles`.
 */
function workBase(chain: ShareChain, parent: ShareRecord | undefined, uncles: Uint8Array[]): WorkBase {
  return {
    chain,
    parent: parent ?? null,
    parentId: parent?.id ?? new Uint8Array(32),
    height: parent === undefined ? 0 : parent.height + 1,
    shareBits: chain.expectedBits(parent),
    minTime: chain.medianTimePast(parent) + 1,
    uncles,
    payouts: (script, value) => chain.payoutSplit(parent, script, value)
  }
}

function mine(chain: ShareChain, parent: ShareRecord | undefined, script: Uint8Array, uncles: Uint8Array[], time: number, asBlock: boolean, nonceSeed: number): Share {
  const base = workBase(chain, parent, uncles)
  const job = makeShareJob(base, { blockHeight: 1000 + base.height, coinbaseValue: 5_000_000_000n, witnessCommitment: null, merkleBranch: [], tag: new TextEncoder().encode('/bench/') }, script, 8)
  const extranonce = new Uint8Array(new BigUint64Array([BigInt(nonceSeed)]).buffer)
  const header = encodeHeader({ version: 0x20000000, prevHash: new Uint8Array(32).fill(7), merkleRoot: jobMerkleRoot(job, extranonce), time, bits: asBlock ? REGTEST_POW_LIMIT : NEVER_A_BLOCK_BITS, nonce: 0 })
  return shareFromSolution(job, extranonce, grind(header, bitsToTarget(base.shareBits)))
}

/** Mines the chain, applies it to a node's (in-memory) view in Autobase-sized batches, exports it. */
async function generate(params: CoopParams, path: string): Promise<void> {
  const t0 = performance.now()
  const chain = new ShareChain(params)
  const known = new Set<string>()
  const add = (share: Share): ShareRecord => {
    const { record } = validateShare(chain, share, (h) => known.has(h))
    chain.add(record)
    known.add(record.idHex)
    return record
  }
  const state = new ShareChainState(chain.consensusId)
  const view = new MemoryView()
  let pending: LogEntry[] = [{ value: encodeEntry({ type: 'genesis', params }), writer: 'bench' }]
  const flush = async (): Promise<void> => {
    const batch = view.batch()
    const outcomes = await state.apply(batch, pending)
    await batch.flush()
    if (outcomes.some((o) => o.kind === 'invalid')) throw new Error(`bench share rejected: ${JSON.stringify(outcomes.find((o) => o.kind === 'invalid'))}`)
    pending = []
  }
  let parent: ShareRecord | undefined
  let uncle: Uint8Array[] = []
  let count = 0
  let time = params.createdAt
  while (count < SHARES) {
    time += params.shareInterval
    const height = parent === undefined ? 0 : parent.height + 1
    const share = mine(chain, parent, minerScript(count % MINERS), uncle, time, count % BLOCK_EVERY === BLOCK_EVERY - 1, count)
    uncle = []
    if (height > 0 && height % FORK_EVERY === 0 && count + 1 < SHARES) {
      // a race: another miner's sibling, credited as an uncle by the next share
      const sibling = mine(chain, parent, minerScript((count * 7 + 3) % MINERS), [], time + 1, false, count + SHARES)
      uncle = [add(sibling).id]
      pending.push({ value: encodeEntry({ type: 'share', share: sibling }), writer: 'bench' })
      count++
    }
    parent = add(share)
    pending.push({ value: encodeEntry({ type: 'share', share }), writer: 'bench' })
    count++
    if (pending.length >= 1000) await flush()
    if (count % 10_000 < 2) process.stderr.write(`\rgenerating ${count}/${SHARES} shares`)
  }
  await flush()
  process.stderr.write(`\rgenerated ${SHARES} shares in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
  const partial = `${path}.${process.pid}.tmp`
  await writeExport(partial, await viewSource(view, { kind: 'view', label: 'bench' }))
  await rename(partial, path)
}

/** In a fresh process: the audit of the export, timed, with its peak RSS. */
async function measure(path: string): Promise<void> {
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const source = await openExport(path)
  const report = await audit(source)
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  await source.close()
  if (!report.summary.clean) throw new Error(`the bench chain does not audit clean: ${JSON.stringify(report.anomalies.slice(0, 3))}`)
  process.stdout.write(JSON.stringify({ shares: report.summary.shares, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssKb: process.resourceUsage().maxRSS, blocks: report.summary.blocks.found, payoutRows: report.payouts.length }) + '\n')
}

async function main(): Promise<void> {
  const measureAt = process.argv.indexOf('--measure')
  if (measureAt >= 0) return measure(process.argv[measureAt + 1] as string)
  const params = benchParams()
  const path = cachePath(params)
  const cached = existsSync(path)
  if (!cached) await generate(params, path)
  else process.stderr.write(`using the cached chain ${path}\n`)
  const run = (): SpawnSyncReturns<string> => spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--measure', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000 })
  let child = run()
  if (child.status !== 0 && cached) {
    // A cache made by an older generator or under older rules: make it again, once.
    process.stderr.write('the cached chain did not audit; generating it again\n')
    await rm(path, { force: true })
    await generate(params, path)
    child = run()
  }
  if (child.status !== 0) throw new Error(`the measuring process failed (exit ${child.status ?? child.signal})`)
  const m = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as { shares: number; seconds: number; cpuSeconds: number; maxRssKb: number; blocks: number; payoutRows: number }
  // The machine may be shared: CPU seconds (all threads, GC helpers included) and the load say how much.
  const context = { shares: m.shares, miners: MINERS, window: params.windowShares, blocks: m.blocks, source: 'export file', wallSeconds: Number(m.seconds.toFixed(2)), cpuSeconds: Number(m.cpuSeconds.toFixed(2)), loadAverage: Number(loadavg()[0]?.toFixed(2)) }
  emit({ name: 'audit_replay_shares_per_s', value: m.shares / m.seconds, unit: 'shares/s', goal: 5000, ...context })
  emit({ name: 'audit_peak_rss_mb', value: m.maxRssKb / 1024, unit: 'MB', ...context })
}

await main()
