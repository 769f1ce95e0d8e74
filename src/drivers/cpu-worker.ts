import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads'
import { CHECK_INTERVAL, CONTROL_SEQUENCE, CONTROL_STOP, isToWorker, isWorkerInit, type FromWorker, type WorkerInit } from './cpu-protocol.js'
import { HeaderSearch } from './cpu-search.js'
import { sliceForThread } from './search-space.js'

/**
 * One CPU mining thread. It runs a synchronous loop (hash, look at the control array, repeat) and
 * takes its messages with receiveMessageOnPort, so it never needs its event loop; when there is no
 * work it sleeps in Atomics.wait until the main thread bumps the sequence.
 */

/** Idle sleep cap: a safety net only; the main thread always notifies. */
const IDLE_WAIT_MS = 1000

class MiningThread {
  private readonly control: Int32Array
  private readonly counters: BigInt64Array
  private search: HeaderSearch | null = null
  /** The sequence of the last message applied: solutions are tagged with it. */
  private applied = 0
  /** The last control sequence acted on; -1 so that a new thread reads what was posted before it ran. */
  private seen = -1
  private hashes = 0
  /** Hashes on the current work. */
  private hashesOnWork = 0

  constructor(
    private readonly init: WorkerInit,
    private readonly port: MessagePort
  ) {
    this.control = new Int32Array(init.control)
    this.counters = new BigInt64Array(init.hashCounters)
  }

  run(): void {
    for (;;) {
      if (Atomics.load(this.control, CONTROL_STOP) !== 0) return
      const sequence = Atomics.load(this.control, CONTROL_SEQUENCE)
      if (sequence !== this.seen) {
        // The driver posts before it bumps the sequence, so the message is already readable.
        this.seen = sequence
        this.receive()
      }
      if (this.search === null) {
        Atomics.wait(this.control, CONTROL_SEQUENCE, sequence, IDLE_WAIT_MS)
        continue
      }
      this.grind(this.search)
    }
  }

  private grind(search: HeaderSearch): void {
    const { hashes, solutions } = search.step(CHECK_INTERVAL)
    this.hashes += hashes
    this.hashesOnWork += hashes
    Atomics.store(this.counters, this.init.thread, BigInt(this.hashes))
    for (const solution of solutions) this.send({ type: 'solution', sequence: this.applied, solution })
    if (search.exhausted) this.leaveWork(true)
  }

  private leaveWork(exhausted: boolean): void {
    if (this.search === null) return
    this.send({ type: 'left', sequence: this.applied, thread: this.init.thread, hashes: this.hashesOnWork, exhausted })
    this.search = null
    this.hashesOnWork = 0
  }

  /** Applies every waiting message; only the newest matters, since each replaces the work. */
  private receive(): void {
    for (let entry = receiveMessageOnPort(this.port); entry !== undefined; entry = receiveMessageOnPort(this.port)) {
      const message: unknown = entry.message
      if (!isToWorker(message)) throw new Error('malformed message from the driver')
      this.leaveWork(false)
      this.applied = message.sequence
      this.search = message.type === 'work' ? new HeaderSearch(message.work, sliceForThread(this.init.thread, this.init.threads, message.work.extranonce2Size)) : null
    }
  }

  private send(message: FromWorker): void {
    this.port.postMessage(message)
  }
}

function main(): void {
  if (parentPort === null) throw new Error('cpu-worker must run in a worker thread')
  if (!isWorkerInit(workerData)) throw new Error('cpu-worker started without valid workerData')
  const port = parentPort
  try {
    new MiningThread(workerData, port).run()
  } catch (err) {
    const failure: FromWorker = { type: 'failed', message: err instanceof Error ? err.message : String(err) }
    port.postMessage(failure)
  }
}

main()
