import { EventEmitter } from 'node:events'
import { CpuDriver } from '../../../src/drivers/cpu.js'
import type { Driver, DriverStats, MiningWork, Solution } from '../../../src/drivers/types.js'

/**
 * Polls until cond holds. The limit only turns a hang into a readable failure; no test asserts
 * how long anything took.
 */
export async function waitFor(cond: () => boolean, what: string, limitMs = 45_000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A real CpuDriver that also records the work it is given, so tests can see what the client fed it. */
export class RecordingDriver extends EventEmitter implements Driver {
  readonly inner: CpuDriver
  readonly given: { work: MiningWork; clean: boolean }[] = []
  clears = 0

  constructor(threads = 1) {
    super()
    this.inner = new CpuDriver({ threads })
    this.inner.on('solution', (s: Solution) => this.emit('solution', s))
  }

  setWork(work: MiningWork, clean: boolean): void {
    this.given.push({ work, clean })
    this.inner.setWork(work, clean)
  }

  clearWork(): void {
    this.clears += 1
    this.inner.clearWork()
  }

  start(): Promise<void> {
    return this.inner.start()
  }

  stop(): Promise<void> {
    return this.inner.stop()
  }

  stats(): DriverStats {
    return this.inner.stats()
  }
}
