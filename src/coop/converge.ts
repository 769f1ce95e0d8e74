// Waiting until nodes agree: for tests and the demo. Agreement = the same system-core hash
// (same linearized history, hence the same view), checked after every node pulled what it can.

import type { CoopBase } from './base.js'

export interface ConvergeOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number
  /** Poll period (default 50 ms). */
  intervalMs?: number
  /** Extra condition, e.g. "the value I appended is in every view". */
  until?: () => Promise<boolean>
}

export class ConvergenceTimeout extends Error {
  override name = 'ConvergenceTimeout'
}

/** Resolves with the common hash once all bases agree (and `until` holds). */
export async function waitForConvergence(bases: ReadonlyArray<CoopBase<unknown>>, opts: ConvergeOptions = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 30_000
  const intervalMs = opts.intervalMs ?? 50
  const deadline = Date.now() + timeoutMs
  let last: string[] = []
  for (;;) {
    await Promise.all(bases.map((b) => b.update()))
    last = await Promise.all(bases.map((b) => b.hash()))
    const agreed = last.every((h) => h === last[0])
    if (agreed && (!opts.until || (await opts.until()))) return last[0] as string
    if (Date.now() > deadline) {
      throw new ConvergenceTimeout(
        `no convergence after ${timeoutMs} ms: hashes ${last.map((h) => h.slice(0, 8)).join(' ')}${agreed ? ' (condition not met)' : ''}`
      )
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
