// "Cut off": this node cannot get its shares into the cooperative's log (protocol/COOP.md §Cut off).
//
// A node is cut off when any of these holds:
//   base-closed     its Autobase is closing or closed (storage failure, shutdown);
//   no-writer       it is not a writer and no writer peer has been joined for graceMs (a
//                   non-writer's shares reach the log only through a writer: relay, or the ack of
//                   an optimistic append), so a brief reconnect does not flap the state;
//   append-stalled  an append of ours has been pending longer than appendStallMs.
// A writer with no peers is not cut off: its appends are in the log (its own input core) and
// reach the others when they reconnect; fork choice and uncles settle the rest.
//
// The state is re-evaluated on every peer/writer change and on a timer; it clears by itself as
// soon as no condition holds. `guardAppend` refuses an append at once while cut off and gives up
// waiting on one after appendStallMs (the append itself goes on), so a miner is never left
// without an answer.

import { EventEmitter } from 'node:events'

export type CutOffReason = 'base-closed' | 'no-writer' | 'append-stalled'

export interface ReachState {
  cutOff: boolean
  reason: CutOffReason | null
  /** When the node became cut off (ms since the epoch), null while connected. */
  since: number | null
  /** One sentence for logs, the stratum error and /api/status. */
  detail: string
}

export interface CutOffOptions {
  writable: () => boolean
  /** Joined peers that say they are writers. */
  writerPeers: () => number
  baseClosed: () => boolean
  graceMs?: number
  appendStallMs?: number
  /** Re-evaluation period (ms). */
  checkIntervalMs?: number
  now?: () => number
}

export class CutOffError extends Error {
  override name = 'CutOffError'
}

const CONNECTED: ReachState = { cutOff: false, reason: null, since: null, detail: 'connected to the cooperative' }

export class CutOffMonitor extends EventEmitter<{ change: [state: ReachState] }> {
  private current: ReachState = CONNECTED
  private noWriterSince: number | null = null
  /** Start times (ms) of the appends in flight, by a per-append token. */
  private readonly pendingAppends = new Map<number, number>()
  private nextAppend = 0
  private readonly timer: NodeJS.Timeout
  private readonly graceMs: number
  private readonly appendStallMs: number
  private readonly now: () => number

  constructor(private readonly opts: CutOffOptions) {
    super()
    this.graceMs = opts.graceMs ?? 5_000
    this.appendStallMs = opts.appendStallMs ?? 10_000
    this.now = opts.now ?? Date.now
    this.timer = setInterval(() => this.evaluate(), opts.checkIntervalMs ?? 1_000)
    this.timer.unref()
  }

  get state(): ReachState {
    return this.current
  }

  /** Recomputes the state; emits 'change' when cut-off starts, ends or changes reason. */
  evaluate(): ReachState {
    const now = this.now()
    const next = this.compute(now)
    if (next.reason !== this.current.reason) {
      this.current = next.reason === null ? CONNECTED : { cutOff: true, reason: next.reason, detail: next.detail, since: this.current.since ?? now }
      this.emit('change', this.current)
    }
    return this.current
  }

  private compute(now: number): { reason: CutOffReason | null; detail: string } {
    if (this.opts.baseClosed()) return { reason: 'base-closed', detail: "the cooperative's log is closed on this node" }
    const oldest = Math.min(...this.pendingAppends.values())
    if (this.pendingAppends.size > 0 && now - oldest >= this.appendStallMs) {
      return { reason: 'append-stalled', detail: `a share append has been pending for ${Math.round((now - oldest) / 1000)} s` }
    }
    if (this.opts.writable() || this.opts.writerPeers() > 0) {
      this.noWriterSince = null
      return { reason: null, detail: CONNECTED.detail }
    }
    this.noWriterSince ??= now
    if (now - this.noWriterSince < this.graceMs) return { reason: null, detail: CONNECTED.detail }
    return { reason: 'no-writer', detail: 'this node is not a writer and no writer of the cooperative is connected' }
  }

  /**
   * Runs an append unless cut off; resolves when it is stored, rejects with CutOffError at once
   * while cut off, or once it has been pending appendStallMs (it may still complete later).
   */
  async guardAppend(append: () => Promise<void>): Promise<void> {
    const state = this.evaluate()
    if (state.cutOff) throw new CutOffError(`cut off from the cooperative: ${state.detail}`)
    const started = this.now()
    // A token, not the start time: two appends may start in the same millisecond.
    const id = this.nextAppend++
    this.pendingAppends.set(id, started)
    let timer: NodeJS.Timeout | undefined
    const running = append().finally(() => {
      this.pendingAppends.delete(id)
      this.evaluate()
    })
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.evaluate()
        reject(new CutOffError(`cut off from the cooperative: the log did not take the share within ${Math.round(this.appendStallMs / 1000)} s`))
      }, this.appendStallMs)
    })
    running.catch(() => {})
    try {
      await Promise.race([running, stalled])
    } finally {
      clearTimeout(timer)
    }
  }

  close(): void {
    clearInterval(this.timer)
  }
}
