/**
 * Posts alert events to webhooks, never in the node's way: notify() only enqueues and returns.
 * Each target has its own bounded queue (a dead target cannot hold up the others) drained by one
 * sender at a time; a failed post is retried with exponential backoff up to maxAttempts, then
 * dropped and counted; a full queue drops its oldest event and counts it.
 *
 * Formats, chosen by the URL:
 *   http(s)://...       JSON: {event, severity, title, message, text, time, node, data}; "text"
 *                       makes it readable by Slack/Mattermost-style and Telegram-bridge webhooks
 *   ntfy+http(s)://...  ntfy: the message as the body, Title / Priority / Tags headers, posted to
 *                       the URL without the "ntfy+" prefix (a topic URL such as .../hashcoop-alerts)
 */
import type { AlertEvent } from './events.js'

export interface NotifierOptions {
  targets: readonly string[]
  /** Events kept per target while it is slow or down. Default 100. */
  maxQueue?: number
  /** Tries per event. Default 6. */
  maxAttempts?: number
  /** First retry delay; doubles each time up to maxBackoffMs. Default 1 s. */
  backoffMs?: number
  maxBackoffMs?: number
  /** Per request. Default 10 s. */
  timeoutMs?: number
  /** Injected by tests. */
  fetch?: typeof fetch
  logger?: { warn(obj: object, msg?: string): void }
}

export interface NotifierStats {
  target: string
  queued: number
  sent: number
  failed: number
  dropped: number
  retries: number
}

export class NotifyTargetError extends Error {
  override name = 'NotifyTargetError'
}

/** Checks a --notify URL; the error says what is wrong. */
export function parseTarget(text: string): { url: string; format: 'json' | 'ntfy'; label: string } {
  const raw = text.trim()
  const ntfy = raw.startsWith('ntfy+')
  const rest = ntfy ? raw.slice(5) : raw
  let url: URL
  try {
    url = new URL(rest)
  } catch {
    throw new NotifyTargetError(`'${raw.slice(0, 80)}' is not a URL (http://, https://, ntfy+http:// or ntfy+https://)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NotifyTargetError(`'${raw.slice(0, 80)}': only http(s) webhooks, optionally with the ntfy+ prefix`)
  // The label goes to logs and metrics: never the path or query, which often hold a secret token.
  return { url: url.toString(), format: ntfy ? 'ntfy' : 'json', label: `${ntfy ? 'ntfy+' : ''}${url.protocol}//${url.host}` }
}

const PRIORITY: Record<AlertEvent['severity'], string> = { info: '3', warning: '4', critical: '5' }

class Target {
  readonly queue: AlertEvent[] = []
  readonly stats: NotifierStats
  private running = false

  constructor(
    readonly spec: ReturnType<typeof parseTarget>,
    private readonly opts: Required<Omit<NotifierOptions, 'targets' | 'logger'>> & Pick<NotifierOptions, 'logger'>,
    private readonly stopped: () => boolean,
    private readonly sleep: (ms: number) => Promise<void>
  ) {
    this.stats = { target: spec.label, queued: 0, sent: 0, failed: 0, dropped: 0, retries: 0 }
  }

  push(event: AlertEvent): void {
    this.queue.push(event)
    if (this.queue.length > this.opts.maxQueue) {
      this.queue.shift()
      this.stats.dropped += 1
    }
    this.stats.queued = this.queue.length
    if (!this.running) void this.drain()
  }

  get idle(): boolean {
    return !this.running && this.queue.length === 0
  }

  private async drain(): Promise<void> {
    this.running = true
    try {
      while (this.queue.length > 0 && !this.stopped()) {
        const event = this.queue[0] as AlertEvent
        const delivered = await this.deliver(event)
        // The event may have been dropped as "oldest" while we were sending it.
        if (this.queue[0] === event) this.queue.shift()
        this.stats.queued = this.queue.length
        if (delivered) this.stats.sent += 1
        else this.stats.failed += 1
      }
    } finally {
      this.running = false
    }
  }

  private async deliver(event: AlertEvent): Promise<boolean> {
    let delay = this.opts.backoffMs
    for (let attempt = 1; attempt <= this.opts.maxAttempts; attempt++) {
      const error = await this.post(event)
      if (error === null) return true
      if (attempt === this.opts.maxAttempts || this.stopped()) {
        this.opts.logger?.warn({ target: this.spec.label, event: event.event, err: error }, `alert ${event.event} to ${this.spec.label} dropped after ${attempt} tries: ${error}`)
        return false
      }
      this.stats.retries += 1
      await this.sleep(delay)
      delay = Math.min(delay * 2, this.opts.maxBackoffMs)
    }
    return false
  }

  /** null when delivered, else why not. */
  private async post(event: AlertEvent): Promise<string | null> {
    try {
      const res = await this.opts.fetch(this.spec.url, { method: 'POST', ...this.request(event), signal: AbortSignal.timeout(this.opts.timeoutMs) })
      await res.arrayBuffer().catch(() => undefined)
      return res.ok ? null : `HTTP ${res.status}`
    } catch (err) {
      return err instanceof Error ? err.message : String(err)
    }
  }

  private request(event: AlertEvent): { headers: Record<string, string>; body: string } {
    if (this.spec.format === 'ntfy') {
      return { headers: { 'content-type': 'text/plain; charset=utf-8', title: event.title, priority: PRIORITY[event.severity], tags: `hashcoop,${event.event}` }, body: event.message }
    }
    return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) }
  }
}

export class Notifier {
  private readonly targets: Target[]
  private closed = false
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly wakers = new Set<() => void>()

  constructor(opts: NotifierOptions) {
    const settings = {
      maxQueue: opts.maxQueue ?? 100,
      maxAttempts: opts.maxAttempts ?? 6,
      backoffMs: opts.backoffMs ?? 1000,
      maxBackoffMs: opts.maxBackoffMs ?? 300_000,
      timeoutMs: opts.timeoutMs ?? 10_000,
      fetch: opts.fetch ?? fetch,
      logger: opts.logger
    }
    this.targets = opts.targets.map((t) => new Target(parseTarget(t), settings, () => this.closed, (ms) => this.sleep(ms)))
  }

  /** Enqueues for every target and returns at once. */
  notify(event: AlertEvent): void {
    if (this.closed) return
    for (const t of this.targets) t.push(event)
  }

  stats(): NotifierStats[] {
    return this.targets.map((t) => ({ ...t.stats }))
  }

  /** Resolves when every queue is empty (tests; a clean shutdown's last chance to deliver). */
  async drained(timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (!this.targets.every((t) => t.idle)) {
      if (Date.now() > deadline) return false
      await new Promise((r) => setTimeout(r, 20))
    }
    return true
  }

  /** Stops retrying; pending events are abandoned. */
  close(): void {
    this.closed = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    for (const wake of this.wakers) wake()
    this.wakers.clear()
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.timers.delete(timer)
        this.wakers.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      timer.unref()
      this.timers.add(timer)
      this.wakers.add(done)
    })
  }
}
