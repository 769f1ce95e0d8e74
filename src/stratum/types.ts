/**
 * The stratum server's boundary with the work layer: jobs in (StratumJob), solutions out (Solution,
 * through the SolutionHandler given at construction), and read-only statistics for the API.
 * Nothing here knows about the share-chain: a job is Bitcoin work plus two targets.
 */
import type { NetworkName } from '../bitcoin/networks.js'

/** The two halves of the non-witness coinbase around the extranonce: coinb1 | en1 | en2 | coinb2. */
export interface CoinbaseHalves {
  coinb1: Uint8Array
  coinb2: Uint8Array
}

/** Who a connection mines for: its first authorized worker's address and that address's script. */
export interface Payout {
  address: string
  script: Uint8Array
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
   * the payout script). Called at most once per job and distinct payout address, the result cached;
   * a connection then gets these halves instead of coinb1/coinb2.
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
  /** Vardiff settings, or false to keep every session at its start difficulty. */
  vardiff?: Partial<VardiffOptions> | false
  /** Longest accepted line in bytes (without the newline); longer -> disconnect. Default 16 KiB. */
  maxLineBytes?: number
  /** Malformed lines (bad JSON, not a request) a connection may send before it is dropped. Default 10. */
  maxBadLines?: number
  maxConnections?: number
  maxConnectionsPerIp?: number
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
  /** Connections closed at once because of maxConnections / maxConnectionsPerIp. */
  refusedConnections: number
  subscribed: number
  authorized: number
  jobs: number
  currentJobId: string | null
}
