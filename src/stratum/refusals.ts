/**
 * Why the server refused or dropped a connection: counted per reason (for /metrics and
 * /api/status) and logged at warn, at most once per reason every few seconds with how many were
 * not logged since, so a flood cannot flood the log too.
 */
import type { StratumLogger } from './types.js'

export const REFUSAL_REASONS = [
  'shutting-down',
  'connections',
  'connections-per-ip',
  'connections-per-prefix',
  'unproven-sessions',
  'unproven-addresses',
  'unproven-per-prefix',
  'handshake-timeout',
  'unproven-timeout',
  'idle-timeout',
  'line-too-long',
  'bad-lines',
  'slow-reader'
] as const

export type RefusalReason = (typeof REFUSAL_REASONS)[number]

/** What a refused miner is told (and the log says), per reason; the limit's option in brackets. */
export const REFUSAL_MESSAGES: Record<RefusalReason, string> = {
  'shutting-down': 'the node is shutting down',
  connections: 'the node is at its connection limit (maxConnections)',
  'connections-per-ip': 'too many connections from your IP address (maxConnectionsPerIp)',
  'connections-per-prefix': 'too many connections from your network, /24 or /64 (maxConnectionsPerPrefix)',
  'unproven-sessions': 'too many miners without an accepted share yet; retry later (maxUnprovenSessions)',
  'unproven-addresses': 'too many payout addresses without an accepted share yet; retry later (maxUnprovenAddresses)',
  'unproven-per-prefix': 'too many miners without an accepted share from your network; retry later (maxUnprovenPerPrefix)',
  'handshake-timeout': 'no subscribe and authorize in time (handshakeTimeoutMs)',
  'unproven-timeout': 'no accepted share in time since authorize (unprovenTimeoutMs)',
  'idle-timeout': 'no accepted share in time (idleTimeoutMs)',
  'line-too-long': 'line too long (maxLineBytes)',
  'bad-lines': 'too many malformed lines (maxBadLines)',
  'slow-reader': 'the connection does not read what it is sent (maxSendBufferBytes)'
}

const WARN_EVERY_MS = 10_000

export class Refusals {
  readonly counts: Record<RefusalReason, number> = Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number>
  private readonly lastWarnAt = new Map<RefusalReason, number>()
  private readonly unlogged = new Map<RefusalReason, number>()

  constructor(
    private readonly logger: StratumLogger,
    private readonly now: () => number
  ) {}

  /** Counts one refusal and logs it at warn unless this reason was logged in the last 10 s. */
  record(reason: RefusalReason, context: { ip: string; address?: string | null }): void {
    this.counts[reason] += 1
    const now = this.now()
    const last = this.lastWarnAt.get(reason)
    if (last !== undefined && now - last < WARN_EVERY_MS) {
      this.unlogged.set(reason, (this.unlogged.get(reason) ?? 0) + 1)
      return
    }
    const notLogged = this.unlogged.get(reason) ?? 0
    this.unlogged.delete(reason)
    this.lastWarnAt.set(reason, now)
    this.logger.warn({ reason, ...context, total: this.counts[reason], notLoggedSinceLast: notLogged }, `stratum refused a connection: ${REFUSAL_MESSAGES[reason]}`)
  }
}
