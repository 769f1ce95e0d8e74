/**
 * The stratum server's boundary with the work layer: jobs in (StratumJob), solutions out (Solution,
 * through the SolutionHandler given at construction), and read-only statistics for the API.
 * Nothing here knows about the share-chain: a job is Bitcoin work plus two targets.
 */
import type { NetworkName } from '../bitcoin/networks.js'
import type { FanoutStats } from './fanout.js'
import type { RefusalReason } from './refusals.js'
import type { CoinbaseLimitRule } from './coinbase-limits.js'

/** The two halves of the non-witness coinbase around the extranonce: coinb1 | en1 | en2 | coinb2. */
export interface CoinbaseHalves {
  coinb1: Uint8Array
  coinb2: Uint8Array
  /** The halves as lowercase hex, when the work layer has them (coinb2 may then be decoded lazily). */
  coinb1Hex?: string
  coinb2Hex?: string
}

/** Who a connection mines for: its first authorized worker's address and that address's script. */
export interface Payout {
  address: string
  script: Uint8Array
  /**
   * Bytes of coinbase the connection's firmware takes (coinbase-limits.ts); null or absent: no
   * known limit. The work layer builds the connection's coinbase for the largest class within it.
   */
  coinbaseLimit?: number | null
}

export interface StratumJob {
  /** The work layer's own id; the wire uses short ids the server mints (see Solution.job). */
  id: string
  /** Previous block hash, internal byte order. */
  prevHash: Uint8Array
  /** Coinbase halves; the extranonce between them is StratumServer.extranonceSize bytes. */
  coinb1: Uint8Array
  coinb2: Uint8Array
  /**
   * Optional per-payout coinbase (when the coinbase names the miner, e.g. a share commitment over
   * the payout script); a connection then gets these halves instead of coinb1/coinb2. Called
   * lazily, when a connection for that address first needs the job, and again whenever the server's
   * byte-bounded cache has let the result go: it must be deterministic, and should be cheap.
   */
  coinbaseFor?: (payout: Payout) => CoinbaseHalves
  /** Merkle branch of the coinbase, txids in internal byte order, leaf level upward. */
  merkleBranch: readonly Uint8Array[]
  version: number
  bits: number
  /** ntime the job starts at: max(curtime, mintime). Submissions may not go below it. */
  time: number
  /** True on a new prevhash: miners drop their old work and old jobs become stale. */
  cleanJobs: boolean
  /** Network target (from bits). A hash at or below it is a block. */
  blockTarget: bigint
  /** The cooperative's share target for this job. A hash at or below it is a share. */
  shareTarget: bigint
}

export type SolutionKind = 'block' | 'share' | 'pseudo'

export interface Solution {
  /** block: hash <= blockTarget; share: hash <= shareTarget; pseudo: meets the session difficulty only. */
  kind: SolutionKind
  job: StratumJob
  /** The 80-byte header the miner solved. */
  header: Uint8Array
  /** Its hash, internal byte order. */
  hash: Uint8Array
  /** Non-witness coinbase: coinb1 | extranonce1 | extranonce2 | coinb2. */
  coinbase: Uint8Array
  /** The connection's payout (the coinbase was built for it when the job has coinbaseFor). */
  address: string
  payoutScript: Uint8Array
  /** The connection's coinbase limit, as in its Payout (the coinbase was built for it). */
  coinbaseLimit: number | null
  /** The worker name after the address ('' when none was given). */
  worker: string
  /** The session difficulty this solution counted at (hashrate, vardiff). */
  difficulty: number
  /** True when the job was superseded by a clean job; only ever handed over for blocks. */
  stale: boolean
}

/** The work layer's verdict. Void means accepted. The reason goes back to the miner. */
export interface SolutionVerdict {
  accepted: boolean
  reason?: string
  /** The work layer has seen this header before (under another job): answered as stratum's duplicate (22). */
  duplicate?: boolean
}

export type SolutionHandler = (solution: Solution) => SolutionVerdict | void | Promise<SolutionVerdict | void>

/**
 * A submission's final outcome for an authorized worker, reported for per-worker accounting
 * (StratumServerOptions.onOutcome). Submissions under an unknown username are not reported, so a
 * client cannot grow the accounting with made-up names.
 */
export type SubmitOutcome =
  | { accepted: true; address: string; worker: string; kind: SolutionKind; difficulty: number; hashDifficulty: number; stale: boolean; at: number }
  | { accepted: false; address: string; worker: string; reason: RejectReason; difficulty: number; at: number }

/** The subset of pino's logger the server uses; pass a pino logger or leave out for silence. */
export interface StratumLogger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

export interface VardiffOptions {
  /** Aim: one share per this many ms. Default 10 000. */
  targetShareIntervalMs: number
  /** Judge the window every this many ms of its age (it grows to 4x this while inconclusive). Default 30 000. */
  retargetMs: number
  /** ... and whenever it holds this many shares (then it starts over). Default 20. */
  retargetShares: number
  /** Leave the difficulty alone while ideal/current is within [low, high] (one share's margin). Default [0.5, 2]. */
  deadBand: readonly [number, number]
}

export interface StratumServerOptions {
  network: NetworkName
  onSolution: SolutionHandler
  /** Told every accepted or rejected submission of an authorized worker; must not throw or block. */
  onOutcome?: (outcome: SubmitOutcome) => void
  host?: string
  port?: number
  /** Bytes of extranonce1 (per connection, counter-based). Default 4, 1-8. */
  extranonce1Size?: number
  /** Bytes of extranonce2 (the miner's). Default 8, 2-16. */
  extranonce2Size?: number
  /** BIP310 mask the server allows; 0 disables version rolling. Default 0x1fffe000. */
  versionRollingMask?: number
  startDifficulty?: number
  minDifficulty?: number
  maxDifficulty?: number
  /**
   * Accepted submissions per second one connection may cost before its difficulty is raised, even
   * a fixed d= one; 0 turns the guard off. Default 10 (vardiff aims at one per 10 s).
   */
  maxShareRate?: number
  /** Vardiff settings, or false to keep every session at its start difficulty. */
  vardiff?: Partial<VardiffOptions> | false
  /** Longest accepted line in bytes (without the newline); longer -> disconnect. Default 16 KiB. */
  maxLineBytes?: number
  /** Malformed lines (bad JSON, not a request) a connection may send before it is dropped. Default 10. */
  maxBadLines?: number
  /** Connections in total (each holds a file descriptor). Default 16 384. */
  maxConnections?: number
  /** Connections from one IP address (a farm behind NAT is one). Default 4096. */
  maxConnectionsPerIp?: number
  /** Connections from one /24 (IPv4) or /64 (IPv6). Default 8192. */
  maxConnectionsPerPrefix?: number
  /** Sessions authorized for an address with no accepted solution yet (see proofDifficulty). Default 4096. */
  maxUnprovenSessions?: number
  /** Distinct such addresses. Default 1024. */
  maxUnprovenAddresses?: number
  /** Such sessions from one /24 or /64. Default 2048. */
  maxUnprovenPerPrefix?: number
  /** An unproven session is dropped this long after authorize. Default 2 min. */
  unprovenTimeoutMs?: number
  /** Accepted difficulty (pseudo-shares count) that proves an address. Default 1 on mainnet, else 0 (any solution). */
  proofDifficulty?: number
  /**
   * The operator's user-agent rules for coinbase limits, tried before the built-in firmware table
   * (coinbase-limits.ts; `hashcoop node --coinbase-class-rules FILE`). Default none.
   */
  coinbaseLimitRules?: readonly CoinbaseLimitRule[]
  /** Budget for per-address coinbases kept across jobs; the rest are made again on demand. Default 32 MiB. */
  coinbaseCacheBytes?: number
  /** A job goes out in slices of at most about this many ms, yielding to I/O between them. Default 8. */
  fanoutSliceMs?: number
  /** Stratum over TLS on its own port, beside the plain one. */
  tls?: StratumTlsOptions
  /** A connection must be subscribed and have an authorized worker within this. Default 30 s. */
  handshakeTimeoutMs?: number
  /** A ready connection with no accepted share for this long is dropped. Default 10 min. */
  idleTimeoutMs?: number
  /** Bytes queued for a slow reader before it is dropped. Default 1 MiB. */
  maxSendBufferBytes?: number
  /** Jobs kept for stale detection and late blocks. Default 16. */
  maxJobs?: number
  /** Solutions awaiting the handler per connection; more are refused until some finish. Default 64. */
  maxPendingSubmits?: number
  /**
   * Accept ntime up to max(now, job time) + this many seconds. Default 60: room for ntime rolling,
   * and no more than a share-chain lets a share's time run ahead (the node passes its cooperative's
   * maxTimeStep, SPEC.md §5.1). Solo pools allow 7000 (Bitcoin's own 2-hour limit).
   */
  ntimeFutureLimitSec?: number
  /** How often timeouts and vardiff windows are checked. Default 1000 ms. */
  sweepIntervalMs?: number
  /** First extranonce1 value (default random), for reproducible tests. */
  extranonce1Start?: bigint
  /** Wall clock in ms; injected by tests. */
  now?: () => number
  logger?: StratumLogger
}

export interface StratumTlsOptions {
  /** Default: the plain listener's host. */
  host?: string
  /** Default 0 (ephemeral). */
  port?: number
  /** PEM certificate chain and private key. */
  cert: string | Uint8Array
  key: string | Uint8Array
}

export type RejectReason =
  | 'bad-params'
  | 'not-subscribed'
  | 'unauthorized'
  | 'job-not-found'
  | 'extranonce2'
  | 'bad-ntime'
  | 'bad-nonce'
  | 'version-bits'
  | 'stale'
  | 'ntime-range'
  | 'duplicate'
  | 'low-difficulty'
  | 'busy'
  | 'refused'

export interface ShareCounters {
  accepted: number
  rejected: Partial<Record<RejectReason, number>>
  /** Accepted solutions that met the share target (blocks included). */
  shares: number
  blocks: number
  /** Sum of the difficulty every accepted solution counted at. */
  acceptedDifficulty: number
  /** Highest hash difficulty (diff1 / hash) seen in an accepted solution. */
  bestDifficulty: number
  lastShareAt: number | null
  /** Hashes per second estimated from accepted difficulty over the last 10 minutes. */
  hashrate: number
}

export interface WorkerStats extends ShareCounters {
  username: string
  worker: string
}

export interface SessionStats extends ShareCounters {
  id: number
  remoteAddress: string
  userAgent: string | null
  /** Bytes of coinbase the session's firmware takes (null: no limit), once authorized. */
  coinbaseLimit: number | null
  extranonce1: string
  address: string | null
  difficulty: number
  vardiff: boolean
  versionRollingMask: number
  connectedAt: number
  workers: WorkerStats[]
}

export interface ServerStats extends ShareCounters {
  connections: number
  /** Connections refused at connect (maxConnections, per IP, per prefix, shutting down). */
  refusedConnections: number
  /** Every refusal and limit-driven drop, by reason (refusals.ts). */
  refusals: Record<RefusalReason, number>
  /** Authorized sessions whose address has no accepted solution yet, and their distinct addresses. */
  unprovenSessions: number
  unprovenAddresses: number
  provenAddresses: number
  /** Per-address coinbases kept (bounded by coinbaseCacheBytes). */
  coinbaseCache: { entries: number; bytes: number }
  /** The last job fan-out: sessions sent to, slices, the longest slice and the whole, in ms. */
  lastFanout: FanoutStats | null
  subscribed: number
  authorized: number
  jobs: number
  currentJobId: string | null
}
