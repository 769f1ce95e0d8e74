import { EventEmitter, once } from 'node:events'
import type { Worker } from 'node:worker_threads'
import { equalBytes } from '../bitcoin/bytes.js'
import { meetsTarget } from '../bitcoin/target.js'
import { CONTROL_SEQUENCE, CONTROL_SLOTS, CONTROL_STOP, isFromWorker, type FromWorker, type ToWorker, type WorkerInit } from './cpu-protocol.js'
import { RateMeter } from './hashrate.js'
import { MAX_THREADS } from './search-space.js'
import { spawnSiblingWorker } from './spawn-worker.js'
import type { Driver, DriverStats, MiningWork, Solution } from './types.js'
import { solutionHash, validateWork } from './work.js'

export interface CpuDriverOptions {
  /** Worker threads, 1-256 (default 1). */
  threads?: number
  /** Window of the hashrate average, ms (default 10 s). */
  hashrateWindowMs?: number
}

export interface WorkDone {
  jobId: string
  thread: number
  /** Hashes the thread did on this work before it left it. */
  hashes: number
  /** It left because its slice of the search space was used up, not for new work. */
  exhausted: boolean
}

/** Works kept for re-checking late solutions of non-clean switches and naming late reports. */
const RECENT_WORKS = 64
const SAMPLE_EVERY_MS = 1000
const STOP_GRACE_MS = 2000

/**
 * A sha256d miner on worker threads. Each thread grinds its own slice of the search space (see
 * search-space.ts); every solution is re-checked here with the bitcoin/ primitives before it is
 * emitted, as a miner counts hardware errors.
 *
 * Events: 'solution' (Solution); 'workDone' (WorkDone: how long a thread stayed on a work, which
 * also shows how promptly clean work cancels); 'error' (Error: a thread failed; emitted only when
 * listened to).
 */
export class CpuDriver extends EventEmitter implements Driver {
  readonly threads: number
  private workers: Worker[] = []
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4))
  private readonly counters: BigInt64Array
  private readonly meters: RateMeter[]
  private sampler: NodeJS.Timeout | null = null
  private sequence = 0
  /** Solutions of work sent before this sequence are dropped: clean work replaced it. */
  private cleanFrom = 0
  private readonly works = new Map<number, MiningWork>()
  private readonly counts = { solutions: 0, discarded: 0, hardwareErrors: 0 }

  constructor(options: CpuDriverOptions = {}) {
    super()
    const threads = options.threads ?? 1
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) throw new RangeError(`threads must be an integer 1-${MAX_THREADS}, got ${threads}`)
    this.threads = threads
    this.counters = new BigInt64Array(new SharedArrayBuffer(threads * 8))
    this.meters = Array.from({ length: threads }, () => new RateMeter(options.hashrateWindowMs))
  }

  get running(): boolean {
    return this.workers.length > 0
  }

  async start(): Promise<void> {
    if (this.running) return
    Atomics.store(this.control, CONTROL_STOP, 0)
    this.workers = Array.from({ length: this.threads }, (_, thread) => this.spawn(thread))
    await Promise.all(this.workers.map((w) => once(w, 'online')))
    this.sample()
    this.sampler = setInterval(() => this.sample(), SAMPLE_EVERY_MS).unref()
  }

  async stop(): Promise<void> {
    if (!this.running) return
    const workers = this.workers
    this.workers = []
    if (this.sampler !== null) clearInterval(this.sampler)
    this.sampler = null
    Atomics.store(this.control, CONTROL_STOP, 1)
    this.publishSequence(this.sequence + 1)
    await Promise.all(workers.map((w) => exitOrTerminate(w)))
  }

  setWork(work: MiningWork, clean: boolean): void {
    if (!this.running) throw new Error('the CPU driver is not started')
    validateWork(work)
    const sequence = this.broadcast((sequence) => ({ type: 'work', sequence, work }))
    this.works.set(sequence, work)
    if (clean) this.cleanFrom = sequence
    this.forgetOldWorks()
  }

  clearWork(): void {
    if (!this.running) return
    this.cleanFrom = this.broadcast((sequence) => ({ type: 'idle', sequence }))
  }

  stats(): DriverStats {
    if (this.running) this.sample()
    const threads = this.meters.map((meter, i) => ({ hashes: Number(Atomics.load(this.counters, i)), hashrate: meter.rate() }))
    return {
      threads,
      hashes: threads.reduce((sum, t) => sum + t.hashes, 0),
      hashrate: threads.reduce((sum, t) => sum + t.hashrate, 0),
      ...this.counts
    }
  }

  private spawn(thread: number): Worker {
    const init: WorkerInit = { thread, threads: this.threads, control: this.control.buffer as SharedArrayBuffer, hashCounters: this.counters.buffer as SharedArrayBuffer }
    const worker = spawnSiblingWorker(import.meta.url, 'cpu-worker', { workerData: init })
    worker.on('message', (message: unknown) => this.onMessage(message))
    worker.on('error', (err) => this.fail(new Error(`CPU thread ${thread} failed: ${err.message}`)))
    return worker
  }

  /** Posts first, then bumps the sequence: a worker that sees the bump finds the message waiting. */
  private broadcast(message: (sequence: number) => ToWorker): number {
    const sequence = this.sequence + 1
    for (const worker of this.workers) worker.postMessage(message(sequence))
    this.publishSequence(sequence)
    return sequence
  }

  private publishSequence(sequence: number): void {
    this.sequence = sequence
    Atomics.store(this.control, CONTROL_SEQUENCE, sequence)
    Atomics.notify(this.control, CONTROL_SEQUENCE)
  }

  private onMessage(message: unknown): void {
    if (!isFromWorker(message)) return this.fail(new Error('malformed message from a CPU thread'))
    if (message.type === 'failed') return this.fail(new Error(`CPU thread failed: ${message.message}`))
    if (message.type === 'solution') return this.onSolution(message)
    const work = this.works.get(message.sequence)
    if (work !== undefined) {
      const done: WorkDone = { jobId: work.jobId, thread: message.thread, hashes: message.hashes, exhausted: message.exhausted }
      this.emit('workDone', done)
    }
  }

  private onSolution(message: Extract<FromWorker, { type: 'solution' }>): void {
    const work = this.works.get(message.sequence)
    if (message.sequence < this.cleanFrom || work === undefined) {
      this.counts.discarded += 1
      return
    }
    const solution = message.solution
    const hash = solutionHash(work, solution)
    if (hash === null || !(solution.hash instanceof Uint8Array) || !equalBytes(hash, solution.hash) || !meetsTarget(hash, work.target)) {
      this.counts.hardwareErrors += 1
      return
    }
    this.counts.solutions += 1
    this.emit('solution', solution)
  }

  /** Old works stay a little while: their threads' 'left' reports are still on the way. */
  private forgetOldWorks(): void {
    for (const sequence of this.works.keys()) if (this.works.size > RECENT_WORKS) this.works.delete(sequence)
  }

  private sample(): void {
    const now = performance.now()
    this.meters.forEach((meter, i) => meter.record(Number(Atomics.load(this.counters, i)), now))
  }

  private fail(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err)
  }
}

async function exitOrTerminate(worker: Worker): Promise<void> {
  const exited = once(worker, 'exit')
  const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS)
  try {
    await exited
  } finally {
    clearTimeout(timer)
  }
}
