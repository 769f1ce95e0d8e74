/**
 * Who may connect and who may mine unproven. Connections are limited in total, per IP and per
 * prefix (/24, /64). A session is "unproven" from authorize until its payout address has an
 * accepted solution (addresses.ts): until then it costs the node work (a coinbase, notifies)
 * without having shown any, so such sessions are capped in number, per prefix, and in distinct
 * addresses. Proven sessions are never refused by those caps.
 */
import type { StratumConfig } from './config.js'
import { addressPrefix } from './prefix.js'
import type { RefusalReason } from './refusals.js'

export type AdmissionLimits = Pick<StratumConfig, 'maxConnections' | 'maxConnectionsPerIp' | 'maxConnectionsPerPrefix' | 'maxUnprovenSessions' | 'maxUnprovenAddresses' | 'maxUnprovenPerPrefix'>

export class Admission {
  private connections = 0
  private readonly perIp = new Map<string, number>()
  private readonly perPrefix = new Map<string, number>()
  /** Unproven sessions: the prefix and address each was admitted with. */
  private readonly unproven = new Map<number, { prefix: string; address: string }>()
  private readonly unprovenPerPrefix = new Map<string, number>()
  private readonly unprovenPerAddress = new Map<string, number>()

  constructor(private readonly limits: AdmissionLimits) {}

  /** Null: admitted (and counted until release). */
  connect(ip: string): RefusalReason | null {
    const l = this.limits
    const prefix = addressPrefix(ip)
    if (this.connections >= l.maxConnections) return 'connections'
    if ((this.perIp.get(ip) ?? 0) >= l.maxConnectionsPerIp) return 'connections-per-ip'
    if ((this.perPrefix.get(prefix) ?? 0) >= l.maxConnectionsPerPrefix) return 'connections-per-prefix'
    this.connections += 1
    bump(this.perIp, ip, 1)
    bump(this.perPrefix, prefix, 1)
    return null
  }

  release(ip: string): void {
    this.connections -= 1
    bump(this.perIp, ip, -1)
    bump(this.perPrefix, addressPrefix(ip), -1)
  }

  /** A session authorizing for an unproven address; null: admitted (counted until proven or gone). */
  admitUnproven(sessionId: number, ip: string, address: string): RefusalReason | null {
    const l = this.limits
    const prefix = addressPrefix(ip)
    if (this.unproven.size >= l.maxUnprovenSessions) return 'unproven-sessions'
    if ((this.unprovenPerPrefix.get(prefix) ?? 0) >= l.maxUnprovenPerPrefix) return 'unproven-per-prefix'
    if (!this.unprovenPerAddress.has(address) && this.unprovenPerAddress.size >= l.maxUnprovenAddresses) return 'unproven-addresses'
    this.unproven.set(sessionId, { prefix, address })
    bump(this.unprovenPerPrefix, prefix, 1)
    bump(this.unprovenPerAddress, address, 1)
    return null
  }

  /** The session proved itself or left: it no longer counts as unproven. */
  settle(sessionId: number): void {
    const entry = this.unproven.get(sessionId)
    if (entry === undefined) return
    this.unproven.delete(sessionId)
    bump(this.unprovenPerPrefix, entry.prefix, -1)
    bump(this.unprovenPerAddress, entry.address, -1)
  }

  isUnproven(sessionId: number): boolean {
    return this.unproven.has(sessionId)
  }

  snapshot(): { connections: number; unprovenSessions: number; unprovenAddresses: number; prefixes: number } {
    return { connections: this.connections, unprovenSessions: this.unproven.size, unprovenAddresses: this.unprovenPerAddress.size, prefixes: this.perPrefix.size }
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by
  if (n <= 0) map.delete(key)
  else map.set(key, n)
}
