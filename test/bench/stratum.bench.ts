/**
 * Stratum server load (`npm run bench stratum`), over real TCP on 127.0.0.1.
 *
 * This process runs the server; a child process (the same file, argument `load`) runs the load
 * generator on the second core, so the two do not share an event loop or a file-descriptor table.
 * Bounded: SESSIONS connections, FANOUT_ROUNDS jobs, SUBMIT_MS of submits, and an overall deadline.
 *
 * Figures: stratum_sessions_held, stratum_rss_mb (this process, at that load, after GC),
 * stratum_notify_fanout_p95_ms (setJob -> each session has the notify, across processes on one
 * clock), stratum_accepted_submits_per_s (every submit meets a trivial difficulty).
 *
 * Issue 13, with the cooperative's real per-address coinbases (ShareJobFactory over a 100-payee
 * PPLNS window, sessions 0-99 being the payees): every session mines for its own address.
 *   stratum_notify_fanout_distinct_p95_ms (p50 beside it), over DISTINCT_ROUNDS new blocks, each
 *     with a new share tip (the worst case: every address's commitment is hashed again);
 *   stratum_notify_fanout_external_block_p95_ms: the same, new blocks over an unchanged share tip
 *     (a block found by anyone else, the common case);
 *   stratum_job_publish_block_ms: the longest event-loop block (monitorEventLoopDelay) from setJob
 *     until the last session has the notify, worst job;
 *   stratum_rss_distinct_mb after those new blocks;
 *   stratum_unproven_flood_block_ms: FLOOD_SESSIONS work-free sessions with distinct addresses (from
 *     16 loopback addresses, caps raised to admit them all: the worst case), longest block per job.
 *   stratum_notify_write_floor_p50_ms (p95 beside it): the same 10 000 distinct notify lines, made
 *     before the clock starts, written in one loop by a bare TCP server: what this machine allows
 *     before any stratum or per-address work, the baseline for the figures above.
 * Each fan-out figure carries server_cpu_ms_per_job_median and load_cpu_ms_per_job_median (the
 * generator's): the two share 2 cores, and on loopback the kernel charges the receiving side's TCP
 * work to the writer, so a load generator near its core's limit is what a latency then measures.
 * Needs about FLOOD_SESSIONS + 1000 file descriptors per process: `ulimit -n 20000` first.
 */
import { execSync, fork, type ChildProcess } from 'node:child_process'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { defaultParams } from '../../protocol/params.js'
import { scriptToAddress } from '../../src/bitcoin/address.js'
import { toHex } from '../../src/bitcoin/bytes.js'
import { buildCoinbaseParts } from '../../src/bitcoin/coinbase.js'
import { sha256d } from '../../src/bitcoin/hash.js'
import { coinbaseMerkleBranch } from '../../src/bitcoin/merkle.js'
import { MAX_TARGET } from '../../src/bitcoin/target.js'
import { makeShareJob, type BlockFields } from '../../src/sharechain/build.js'
import type { ShareChain } from '../../src/sharechain/chain.js'
import { ShareJobFactory } from '../../src/sharechain/coinbase-layout.js'
import { finishSplit, outsiderSplit, prepareSplit } from '../../src/sharechain/payouts.js'
import type { WorkBase } from '../../src/sharechain/state.js'
import { CoinbaseCache } from '../../src/stratum/coinbase-cache.js'
import { JobRecord } from '../../src/stratum/jobs.js'
import { StratumServer } from '../../src/stratum/server.js'
import type { Payout, StratumJob } from '../../src/stratum/types.js'
import { emit } from './lib.js'

const SESSIONS = 10_000
const CONNECT_CONCURRENCY = 200
const FANOUT_ROUNDS = 5
const DISTINCT_ROUNDS = 10
const PAYEES = 100
const FLOOD_SESSIONS = 16_000
const FLOOD_ROUNDS = 5
const FLOOR_ROUNDS = 5
/** Flood sessions come from these loopback addresses (each has its own ephemeral ports). */
const FLOOD_SOURCES = Array.from({ length: 16 }, (_, i) => `127.0.1.${i + 1}`)
const SUBMIT_SESSIONS = 400
const SUBMIT_WINDOW = 8 // submits in flight per session
const SUBMIT_MS = 6000
const SUBMIT_WARMUP_MS = 1000
const DEADLINE_MS = 14 * 60_000
const TRIVIAL_DIFFICULTY = 1e-10 // its target is the maximum: every hash is accepted

/** Session i mines for its own p2wpkh address. */
function payoutScript(i: number): Uint8Array {
  const script = new Uint8Array(22)
  script.set([0x00, 0x14])
  new DataView(script.buffer).setUint32(2, i)
  return script
}
const addressOf = (i: number): string => scriptToAddress(payoutScript(i), 'mainnet') as string

const NEWLINE = 0x0a
const NOTIFY_PREFIX = Buffer.from('{"id":null,"method":"mining.notify"')
/** The server writes notifications with id first (stratum/rpc.ts), so a prefix test is exact. */
const isNotify = (line: Buffer): boolean => line.length >= NOTIFY_PREFIX.length && NOTIFY_PREFIX.equals(line.subarray(0, NOTIFY_PREFIX.length))

/** Wall clock in ms with sub-ms resolution, comparable between processes. */
const wallMs = (): number => performance.timeOrigin + performance.now()

type ToChild =
  | { type: 'connect'; port: number; sessions: number; firstIndex: number; sources: string[] }
  | { type: 'disconnect' }
  | { type: 'arm' }
  | { type: 't0'; t0: number }
  | { type: 'submit'; sessions: number; window: number; ms: number }
type FromChild =
  | { type: 'connected'; ready: number; failed: number; errors: string[] }
  | { type: 'disconnected' }
  | { type: 'armed' }
  | { type: 'fanout'; latencies: number[]; missing: number; loadCpuMs: number }
  | { type: 'submitted'; accepted: number; rejected: number; firstError: unknown }

// ---------------------------------------------------------------- server side (this process)

let jobCounter = 0

/** A coinbase like the cooperative's: 20 payouts and a 32-byte commitment over the share info. */
function coinbaseHalves(height: number, commitment: Uint8Array): { coinb1: Uint8Array; coinb2: Uint8Array } {
  return buildCoinbaseParts({
    height,
    extranonceSize: 12,
    tag: new TextEncoder().encode('/hashcoop-bench/'),
    witnessCommitment: null,
    payouts: Array.from({ length: 20 }, (_, i) => ({ value: 1_000_000n + BigInt(i), script: payoutScript(i) })),
    commitment
  })
}

function benchJob(): StratumJob {
  jobCounter += 1
  const height = 900_000 + jobCounter
  const parts = coinbaseHalves(height, sha256d(Uint8Array.of(jobCounter)))
  const txids = Array.from({ length: 2500 }, (_, i) => sha256d(Uint8Array.of(jobCounter & 0xff, i & 0xff, i >> 8)))
  return {
    id: `bench-${jobCounter}`,
    prevHash: sha256d(Uint8Array.of(0xbb, jobCounter & 0xff)),
    coinb1: parts.coinb1,
    coinb2: parts.coinb2,
    merkleBranch: coinbaseMerkleBranch(txids), // 12 levels: a full block's worth of folding per submit
    version: 0x20000000,
    bits: 0x1703a30c,
    time: Math.floor(Date.now() / 1000),
    cleanJobs: true,
    blockTarget: MAX_TARGET >> 64n,
    shareTarget: MAX_TARGET >> 40n
  }
}

/** The cooperative's params (mainnet defaults: 100 outputs at most, 0.5% finder bonus). */
const COOP = defaultParams('mainnet', new Uint8Array(32).fill(7), 1_700_000_000)
/** The PPLNS window: sessions 0-99 are its payees, with distinct work. */
const WINDOW = new Map(Array.from({ length: PAYEES }, (_, i) => [toHex(payoutScript(i)), 1_000_000n + BigInt(i) * 7919n] as const))
const PLACEHOLDER_SCRIPT = Uint8Array.from([0x00, 0x14, ...new Uint8Array(20)])

/**
 * A job as the work layer makes it (work/manager.ts): the finder-independent split once, the
 * coinbase of each address by ShareJobFactory on the first notify that needs it.
 */
function cooperativeJob(): StratumJob {
  return coopJob(true)
}

/** Share tip of the last cooperativeJob: a block found elsewhere leaves it where it was. */
let shareTip: { parentId: Uint8Array; height: number } = { parentId: new Uint8Array(32), height: 50_000 }

/**
 * newShareTip: the block came with a new share tip (as when a share of this cooperative is the
 * block: every address's commitment is new), else only the template changed (a block found by
 * anyone else, the common case: the share fields, so the commitments, stay).
 */
function coopJob(newShareTip: boolean): StratumJob {
  jobCounter += 1
  const value = 312_500_000n + BigInt(jobCounter) * 1013n // fees differ per template
  if (newShareTip) shareTip = { parentId: sha256d(Uint8Array.of(0xaa, jobCounter & 0xff, jobCounter >> 8)), height: 50_000 + jobCounter }
  const { parentId } = shareTip
  const split = prepareSplit(COOP, WINDOW, value)
  const base: WorkBase = {
    chain: { consensusId: COOP.salt } as unknown as ShareChain, // only the consensus id is read
    parent: null,
    parentId,
    height: shareTip.height,
    shareBits: 0x1b0404cb,
    minTime: 0,
    uncles: [],
    payouts: (script) => finishSplit(COOP, split, script, parentId),
    outsiderPayouts: () => outsiderSplit(COOP, split, parentId)
  }
  const txids = Array.from({ length: 2500 }, (_, i) => sha256d(Uint8Array.of(jobCounter & 0xff, i & 0xff, i >> 8)))
  const block: BlockFields = { blockHeight: 900_000 + jobCounter, coinbaseValue: value, witnessCommitment: sha256d(parentId), merkleBranch: coinbaseMerkleBranch(txids), tag: new TextEncoder().encode('/hashcoop/') }
  const factory = new ShareJobFactory(base, block, 12)
  if (!factory.patchesOutsiders) throw new Error('bench window does not exercise the patched path')
  const shared = makeShareJob(base, block, PLACEHOLDER_SCRIPT, 12).parts
  return {
    id: `coop-${jobCounter}`,
    prevHash: sha256d(Uint8Array.of(0xcc, jobCounter & 0xff, jobCounter >> 8)),
    coinb1: shared.coinb1,
    coinb2: shared.coinb2,
    coinbaseFor: (payout: Payout) => factory.jobFor(payout.script).parts,
    merkleBranch: block.merkleBranch,
    version: 0x20000000,
    bits: 0x1703a30c,
    time: Math.floor(Date.now() / 1000),
    cleanJobs: true, // a new block each time
    blockTarget: MAX_TARGET >> 64n,
    shareTarget: MAX_TARGET >> 40n
  }
}

/**
 * The event loop's longest block while `during` runs: the longest gap between two ticks of a 1 ms
 * timer, in wall time (what a miner waits) and in this process's CPU time over that gap (what
 * this process spent; on a machine shared with other work the wall gap also holds the time the
 * OS gave the cores to others).
 */
async function longestBlock(during: () => Promise<void>): Promise<{ wallMs: number; cpuMs: number }> {
  let lastWall = performance.now()
  let lastCpu = process.cpuUsage()
  let wallMs = 0
  let cpuMs = 0
  const probe = setInterval(() => {
    const wall = performance.now()
    const cpu = process.cpuUsage()
    const wallGap = wall - lastWall
    if (wallGap > wallMs) {
      wallMs = wallGap
      cpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000
    }
    lastWall = wall
    lastCpu = cpu
  }, 1)
  try {
    await during()
  } finally {
    clearInterval(probe)
  }
  return { wallMs, cpuMs }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) gc()
}

function nextMessage<T extends FromChild['type']>(child: ChildProcess, type: T): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromChild): void => {
      if (m.type !== type) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(m as Extract<FromChild, { type: T }>)
    }
    const onExit = (code: number | null): void => reject(new Error(`load generator exited (${code}) while waiting for ${type}`))
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

/** Both processes hold one descriptor per session: refuse to start where they cannot. */
function checkDescriptorLimit(): void {
  const limit = Number(execSync('ulimit -n', { shell: '/bin/sh', encoding: 'utf8' }).trim())
  if (Number.isFinite(limit) && limit < FLOOD_SESSIONS + 1000) {
    throw new Error(`the stratum bench needs ${FLOOD_SESSIONS + 1000} file descriptors per process, ulimit -n is ${limit}: run \`ulimit -n 20000\` first`)
  }
}

async function runServer(): Promise<void> {
  checkDescriptorLimit()
  let solutions = 0
  const server = new StratumServer({
    network: 'mainnet',
    onSolution: () => {
      solutions += 1
    },
    vardiff: false,
    minDifficulty: 1e-12,
    startDifficulty: 1,
    // Raised so that every bench session is admitted: the figures are the worst case.
    maxConnections: FLOOD_SESSIONS + 1000,
    maxConnectionsPerIp: FLOOD_SESSIONS + 1000,
    maxConnectionsPerPrefix: FLOOD_SESSIONS + 1000,
    maxUnprovenSessions: FLOOD_SESSIONS + 1000,
    maxUnprovenAddresses: FLOOD_SESSIONS + 1000,
    maxUnprovenPerPrefix: FLOOD_SESSIONS + 1000,
    unprovenTimeoutMs: 30 * 60_000,
    proofDifficulty: 0,
    handshakeTimeoutMs: 5 * 60_000,
    idleTimeoutMs: 30 * 60_000
  })
  const { port } = await server.listen()
  server.setJob(benchJob())
  const rssBefore = process.memoryUsage().rss

  const child = fork(fileURLToPath(import.meta.url), ['load'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const deadline = setTimeout(() => {
    process.stderr.write('stratum bench: deadline passed, stopping\n')
    child.kill('SIGKILL')
    process.exit(1)
  }, DEADLINE_MS)
  const send = (m: ToChild): void => {
    child.send(m)
  }

  try {
    // 1. Sessions held.
    const t0 = Date.now()
    send({ type: 'connect', port, sessions: SESSIONS, firstIndex: 0, sources: ['127.0.0.1'] })
    const connected = await nextMessage(child, 'connected')
    const connectSeconds = (Date.now() - t0) / 1000
    const held = server.stats().authorized
    emit({ name: 'stratum_sessions_held', value: held, unit: 'sessions', goal: SESSIONS, attempted: SESSIONS, failed: connected.failed, errors: connected.errors.slice(0, 3), connect_s: Number(connectSeconds.toFixed(2)) })

    // 2. Memory at that load.
    collectGarbage()
    await new Promise((r) => setTimeout(r, 500))
    collectGarbage()
    const rss = process.memoryUsage().rss
    emit({ name: 'stratum_rss_mb', value: rss / 2 ** 20, unit: 'MB', goal_max: 600, sessions: held, idle_rss_mb: Number((rssBefore / 2 ** 20).toFixed(1)), heap_used_mb: Number((process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)) })

    // 3. Notify fan-out: setJob to each session's receipt of the notify.
    const fanout = async (rounds: number, makeJob: () => StratumJob): Promise<Record<string, number>> => {
      const latencies: number[] = []
      let missing = 0
      const setJobMs: number[] = []
      const blocks: number[] = []
      const blocksCpu: number[] = []
      const slices: number[] = []
      const longestSlices: number[] = []
      /** This process's CPU time per job (setJob to the last notify received): steadier than wall time on a shared machine. */
      const cpuMs: number[] = []
      /** The load generator's CPU time per job: near the fan-out's wall time, the generator is what was measured. */
      const loadCpuMs: number[] = []
      for (let round = 0; round < rounds; round++) {
        const job = makeJob()
        send({ type: 'arm' })
        await nextMessage(child, 'armed')
        const cpuBefore = process.cpuUsage()
        const block = await longestBlock(async () => {
            const start = wallMs()
            server.setJob(job)
            setJobMs.push(wallMs() - start)
            send({ type: 't0', t0: start })
            const result = await nextMessage(child, 'fanout')
            latencies.push(...result.latencies)
            missing += result.missing
            loadCpuMs.push(result.loadCpuMs)
          })
        const cpu = process.cpuUsage(cpuBefore)
        cpuMs.push((cpu.user + cpu.system) / 1000)
        blocks.push(block.wallMs)
        blocksCpu.push(block.cpuMs)
        const fan = server.stats().lastFanout
        slices.push(fan?.slices ?? 0)
        longestSlices.push(fan?.longestSliceMs ?? NaN)
        await new Promise((r) => setTimeout(r, 200))
      }
      latencies.sort((a, b) => a - b)
      setJobMs.sort((a, b) => a - b)
      const worst = blocks.indexOf(Math.max(...blocks))
      blocks.sort((a, b) => a - b)
      return {
        p95: percentile(latencies, 95),
        p50_ms: Number(percentile(latencies, 50).toFixed(1)),
        max_ms: Number((latencies[latencies.length - 1] ?? NaN).toFixed(1)),
        set_job_sync_ms_median: Number(percentile(setJobMs, 50).toFixed(1)),
        block_ms_max: Number((blocks[blocks.length - 1] ?? NaN).toFixed(1)),
        block_ms_median: Number(percentile(blocks, 50).toFixed(1)),
        block_cpu_ms_of_worst: Number((blocksCpu[worst] ?? NaN).toFixed(1)),
        longest_slice_ms_max: Number(Math.max(...longestSlices).toFixed(1)),
        slices_median: percentile(slices.sort((a, b) => a - b), 50),
        server_cpu_ms_per_job_median: Number(percentile(cpuMs.sort((a, b) => a - b), 50).toFixed(1)),
        load_cpu_ms_per_job_median: Number(percentile(loadCpuMs.sort((a, b) => a - b), 50).toFixed(1)),
        missing
      }
    }
    const { p95, ...shared } = await fanout(FANOUT_ROUNDS, () => benchJob())
    emit({ name: 'stratum_notify_fanout_p95_ms', value: p95 as number, unit: 'ms', goal_max: 250, sessions: held, rounds: FANOUT_ROUNDS, ...shared })

    // 4. Accepted submits per second, counted by the server itself.
    const before = server.stats()
    const samples: { at: number; accepted: number }[] = []
    const sampler = setInterval(() => samples.push({ at: wallMs(), accepted: server.stats().accepted }), 250)
    send({ type: 'submit', sessions: SUBMIT_SESSIONS, window: SUBMIT_WINDOW, ms: SUBMIT_MS })
    const submitted = await nextMessage(child, 'submitted')
    clearInterval(sampler)
    const after = server.stats()
    const first = samples.find((s) => s.at >= (samples[0]?.at ?? 0) + SUBMIT_WARMUP_MS)
    const last = samples[samples.length - 1]
    const rate = first !== undefined && last !== undefined && last.at > first.at ? ((last.accepted - first.accepted) * 1000) / (last.at - first.at) : NaN
    const rejectedDuring = Object.values(after.rejected).reduce((a, b) => a + (b ?? 0), 0) - Object.values(before.rejected).reduce((a, b) => a + (b ?? 0), 0)
    emit({
      name: 'stratum_accepted_submits_per_s',
      value: rate,
      unit: 'submits/s',
      goal: 10_000,
      submitting_sessions: SUBMIT_SESSIONS,
      in_flight_per_session: SUBMIT_WINDOW,
      sessions_connected: server.stats().connections,
      merkle_branch: 12,
      accepted_total: after.accepted - before.accepted,
      rejected_total: rejectedDuring,
      handler_calls: solutions,
      client_seen_accepted: submitted.accepted,
      client_seen_rejected: submitted.rejected,
      first_error: submitted.firstError
    })

    // 5. Issue 13: new blocks with the cooperative's per-address coinbases, 10 000 distinct addresses.
    const rssBeforeDistinct = process.memoryUsage().rss
    const { p95: distinctP95, p50_ms: distinctP50, block_ms_max: publishBlock, block_ms_median: publishBlockMedian, block_cpu_ms_of_worst: publishBlockCpu, longest_slice_ms_max: longestSlice, ...distinct } = await fanout(DISTINCT_ROUNDS, cooperativeJob)
    emit({
      name: 'stratum_notify_fanout_distinct_p95_ms',
      value: distinctP95 as number,
      unit: 'ms',
      goal_max: 250,
      p50_ms: distinctP50,
      goal_p50_max: 100,
      sessions: held,
      distinct_addresses: held,
      window_payees: PAYEES,
      new_blocks: DISTINCT_ROUNDS,
      ...distinct
    })
    emit({ name: 'stratum_job_publish_block_ms', value: publishBlock as number, unit: 'ms', goal_max: 50, block_ms_median: publishBlockMedian, block_cpu_ms_of_worst: publishBlockCpu, longest_slice_ms_max: longestSlice, sessions: held, distinct_addresses: held, jobs: DISTINCT_ROUNDS, note: 'longest gap between 1 ms timer ticks from setJob to the last notify received, worst job, wall time; block_cpu_ms_of_worst: this process CPU in that gap' })
    collectGarbage()
    await new Promise((r) => setTimeout(r, 500))
    collectGarbage()
    const cache = server.stats().coinbaseCache
    emit({ name: 'stratum_rss_distinct_mb', value: process.memoryUsage().rss / 2 ** 20, unit: 'MB', goal_max: 400, sessions: held, distinct_addresses: held, new_blocks: DISTINCT_ROUNDS, rss_before_mb: Number((rssBeforeDistinct / 2 ** 20).toFixed(1)), coinbase_cache_mb: Number((cache.bytes / 2 ** 20).toFixed(1)), coinbase_cache_entries: cache.entries })

    // 5b. The common new block: found elsewhere, over the same share tip (commitments remembered).
    const { p95: externalP95, p50_ms: externalP50, ...external } = await fanout(DISTINCT_ROUNDS, () => coopJob(false))
    emit({
      name: 'stratum_notify_fanout_external_block_p95_ms',
      value: externalP95 as number,
      unit: 'ms',
      p50_ms: externalP50,
      sessions: held,
      distinct_addresses: held,
      window_payees: PAYEES,
      new_blocks: DISTINCT_ROUNDS,
      note: 'new blocks found elsewhere: the share tip, so every address commitment, unchanged',
      ...external
    })

    // 6. Issue 13: FLOOD_SESSIONS work-free sessions with distinct addresses; longest block per job.
    send({ type: 'disconnect' })
    await nextMessage(child, 'disconnected')
    while (server.stats().connections > 0) await new Promise((r) => setTimeout(r, 100))
    send({ type: 'connect', port, sessions: FLOOD_SESSIONS, firstIndex: 1_000_000, sources: FLOOD_SOURCES })
    const flood = await nextMessage(child, 'connected')
    const floodHeld = server.stats().authorized
    const { block_ms_max: floodBlock, p95: floodP95, ...floodRest } = await fanout(FLOOD_ROUNDS, cooperativeJob)
    emit({
      name: 'stratum_unproven_flood_block_ms',
      value: floodBlock as number,
      unit: 'ms',
      goal_max: 50,
      unproven_sessions: server.stats().unprovenSessions,
      sessions_held: floodHeld,
      attempted: FLOOD_SESSIONS,
      failed: flood.failed,
      errors: flood.errors.slice(0, 3),
      jobs: FLOOD_ROUNDS,
      fanout_p95_ms: Number((floodP95 as number).toFixed(1)),
      ...floodRest
    })

    // 7. The floor: the distinct notify lines of one job, made beforehand, written by a bare server.
    send({ type: 'disconnect' })
    await nextMessage(child, 'disconnected')
    const floor = await writeFloor(child, send)
    emit({ name: 'stratum_notify_write_floor_p50_ms', value: floor.p50, unit: 'ms', p95_ms: Number(floor.p95.toFixed(1)), sessions: floor.sessions, line_bytes: floor.lineBytes, rounds: FLOOR_ROUNDS, server_cpu_ms_per_job_median: floor.serverCpuMs, load_cpu_ms_per_job_median: floor.loadCpuMs, note: 'the same distinct lines, no per-address work in the clock, one write loop: the machine and loopback TCP alone' })
  } finally {
    clearTimeout(deadline)
    child.kill('SIGKILL')
    await server.close()
  }
}

/**
 * A bare TCP server on the generator's SESSIONS connections: it answers subscribe and authorize, then
 * each round writes every connection its own notify line (the real distinct lines of one job, as
 * Buffers made before the clock starts) in one synchronous loop.
 */
async function writeFloor(child: ChildProcess, send: (m: ToChild) => void): Promise<{ p50: number; p95: number; sessions: number; lineBytes: number; serverCpuMs: number; loadCpuMs: number }> {
  const sockets: Socket[] = []
  const bare = createServer((socket) => {
    socket.setNoDelay(true)
    let seen = ''
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1')
      if (!seen.includes('"mining.authorize"')) return
      socket.off('data', onData)
      sockets.push(socket)
      socket.write('{"id":1,"result":[[],"00000000",8],"error":null}\n{"id":2,"result":true,"error":null}\n')
    }
    socket.on('data', onData)
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve))
  try {
    // From the flood's source addresses: the first phase's 10 000 ports of 127.0.0.1 are in TIME_WAIT.
    send({ type: 'connect', port: (bare.address() as AddressInfo).port, sessions: SESSIONS, firstIndex: 0, sources: FLOOD_SOURCES })
    await nextMessage(child, 'connected')
    const job = cooperativeJob()
    const record = new JobRecord(job, job.id, 0, 12, new CoinbaseCache(Number.MAX_SAFE_INTEGER))
    const lines = sockets.map((_, i) => Buffer.from(record.notifyLine(job.id, { address: addressOf(i), script: payoutScript(i) }, true), 'latin1'))
    const latencies: number[] = []
    const serverCpu: number[] = []
    const loadCpu: number[] = []
    for (let round = 0; round < FLOOR_ROUNDS; round++) {
      send({ type: 'arm' })
      await nextMessage(child, 'armed')
      const cpuBefore = process.cpuUsage()
      const start = wallMs()
      for (let i = 0; i < sockets.length; i++) (sockets[i] as Socket).write(lines[i] as Buffer)
      send({ type: 't0', t0: start })
      const result = await nextMessage(child, 'fanout')
      const cpu = process.cpuUsage(cpuBefore)
      serverCpu.push((cpu.user + cpu.system) / 1000)
      loadCpu.push(result.loadCpuMs)
      latencies.push(...result.latencies)
      await new Promise((r) => setTimeout(r, 200))
    }
    latencies.sort((a, b) => a - b)
    const median = (xs: number[]): number => Number(percentile(xs.sort((a, b) => a - b), 50).toFixed(1))
    return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), sessions: sockets.length, lineBytes: lines[0]?.length ?? 0, serverCpuMs: median(serverCpu), loadCpuMs: median(loadCpu) }
  } finally {
    send({ type: 'disconnect' })
    await nextMessage(child, 'disconnected')
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => bare.close(() => resolve()))
  }
}

// ---------------------------------------------------------------- load generator (child process)

interface Conn {
  socket: Socket
  index: number
  username: string
  /** The start of a line not yet ended. */
  pending: Buffer[]
  authorized: boolean
  jobId: string | null
  ntime: string | null
  armed: boolean
  arrivedAt: number | null
  submitted: number
  inFlight: number
}

function runLoad(): void {
  const conns: Conn[] = []
  let submitting = false
  let accepted = 0
  let rejected = 0
  let firstError: unknown = null
  let t0: number | null = null
  let armedCount = 0
  let submitWindow = 0
  let cpuAtArm = process.cpuUsage()

  const toParent = (m: FromChild): void => {
    process.send?.(m)
  }

  const submitLine = (c: Conn): string => {
    c.submitted += 1
    const en2 = c.submitted.toString(16).padStart(16, '0')
    return `{"id":${c.submitted + 10},"method":"mining.submit","params":["${c.username}","${c.jobId}","${en2}","${c.ntime}","00000000"]}\n`
  }

  const onNotify = (c: Conn, line: Buffer, receivedAt: number): void => {
    // Only the sessions that will submit need the job's fields; the others just count arrivals.
    if (c.index < SUBMIT_SESSIONS) {
      const params = (JSON.parse(line.toString('utf8')) as { params: unknown[] }).params
      c.jobId = params[0] as string
      c.ntime = params[7] as string
    }
    if (c.armed) {
      c.armed = false
      c.arrivedAt = receivedAt
      armedCount -= 1
      if (armedCount === 0) maybeReportFanout()
    }
  }

  const onLine = (c: Conn, line: string): void => {
    if (line.includes('"method":"mining.set_difficulty"')) return
    if (!c.authorized) {
      if (line.startsWith('{"id":2,')) {
        c.authorized = line.includes('"result":true')
        onAuthorized(c)
      }
      return
    }
    if (submitting || c.inFlight > 0) {
      c.inFlight -= 1
      if (line.includes('"result":true')) accepted += 1
      else {
        rejected += 1
        firstError ??= line
      }
      if (submitting) {
        c.inFlight += 1
        c.socket.write(submitLine(c))
      }
    }
  }

  let readyCount = 0
  let failed = 0
  const errors = new Set<string>()
  const onAuthorized = (c: Conn): void => {
    if (c.authorized) readyCount += 1
    else failed += 1
  }

  const open = (port: number, index: number, source: string): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress: source })
      const c: Conn = { socket, index, username: `${addressOf(index)}.w${index}`, pending: [], authorized: false, jobId: null, ntime: null, armed: false, arrivedAt: null, submitted: 0, inFlight: 0 }
      let settled = false
      const settle = (): void => {
        if (!settled) {
          settled = true
          resolve()
        }
      }
      socket.setNoDelay(true)
      socket.on('connect', () => {
        conns.push(c)
        socket.write(`{"id":1,"method":"mining.subscribe","params":["bench"]}\n{"id":2,"method":"mining.authorize","params":["${c.username}","d=${TRIVIAL_DIFFICULTY}"]}\n`)
      })
      // Bytes, not text: a notify is ~7.5 kB and this process shares the machine with the server, so
      // the generator only decodes the lines it reads (replies, and the jobs of submitting sessions).
      socket.on('data', (chunk: Buffer) => {
        const receivedAt = wallMs() // before any parsing: the load generator's own work is not the server's latency
        let from = 0
        let nl: number
        while ((nl = chunk.indexOf(NEWLINE, from)) !== -1) {
          const piece = chunk.subarray(from, nl)
          const line = c.pending.length === 0 ? piece : Buffer.concat([...c.pending, piece])
          c.pending = []
          from = nl + 1
          const wasAuthorized = c.authorized
          if (isNotify(line)) onNotify(c, line, receivedAt)
          else onLine(c, line.toString('utf8'))
          if (!wasAuthorized && line.subarray(0, 8).toString() === '{"id":2,') settle()
        }
        if (from < chunk.length) c.pending.push(chunk.subarray(from))
      })
      socket.on('error', (err: NodeJS.ErrnoException) => {
        errors.add(err.code ?? err.message)
        if (!settled) failed += 1
        settle()
      })
      socket.on('close', settle)
    })

  // Reported once every armed session has its notify and the parent has sent t0 (either order).
  let fanoutTimer: NodeJS.Timeout | null = null
  const maybeReportFanout = (): void => {
    if (t0 === null || armedCount > 0) return
    if (fanoutTimer !== null) clearTimeout(fanoutTimer)
    const start = t0
    const latencies: number[] = []
    let missing = 0
    for (const c of conns) {
      if (!c.authorized) continue
      if (c.arrivedAt === null) missing += 1
      else latencies.push(c.arrivedAt - start)
    }
    t0 = null
    const cpu = process.cpuUsage(cpuAtArm)
    toParent({ type: 'fanout', latencies, missing, loadCpuMs: (cpu.user + cpu.system) / 1000 })
  }

  process.on('message', (m: ToChild) => {
    if (m.type === 'connect') {
      void (async () => {
        let next = 0
        const worker = async (): Promise<void> => {
          while (next < m.sessions) {
            const i = next++
            await open(m.port, m.firstIndex + i, m.sources[i % m.sources.length] as string)
          }
        }
        await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker))
        toParent({ type: 'connected', ready: readyCount, failed, errors: [...errors] })
      })()
    } else if (m.type === 'disconnect') {
      for (const c of conns.splice(0)) c.socket.destroy()
      readyCount = 0
      failed = 0
      errors.clear()
      toParent({ type: 'disconnected' })
    } else if (m.type === 'arm') {
      armedCount = 0
      for (const c of conns) {
        c.arrivedAt = null
        c.armed = c.authorized
        if (c.armed) armedCount += 1
      }
      cpuAtArm = process.cpuUsage()
      toParent({ type: 'armed' })
    } else if (m.type === 't0') {
      t0 = m.t0
      // Sessions that never get the notify are reported missing rather than waited for forever.
      fanoutTimer = setTimeout(() => {
        for (const c of conns) c.armed = false
        armedCount = 0
        maybeReportFanout()
      }, 30_000)
      maybeReportFanout()
    } else if (m.type === 'submit') {
      submitting = true
      submitWindow = m.window
      const chosen = conns.filter((c) => c.authorized && c.index < m.sessions && c.jobId !== null)
      for (const c of chosen) {
        let lines = ''
        for (let i = 0; i < submitWindow; i++) lines += submitLine(c)
        c.inFlight += submitWindow
        c.socket.write(lines)
      }
      setTimeout(() => {
        submitting = false
        const drain = (): void => {
          if (chosen.every((c) => c.inFlight === 0)) toParent({ type: 'submitted', accepted, rejected, firstError })
          else setTimeout(drain, 20)
        }
        drain()
      }, m.ms)
    }
  })
}

if (process.argv[2] === 'load') runLoad()
else
  runServer().catch((err: unknown) => {
    process.stderr.write(`stratum bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exitCode = 1
  })
