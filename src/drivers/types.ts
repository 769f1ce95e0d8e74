/**
 * The mining-driver interface: jobs down, solutions up. A driver is hardware (or a stand-in for it)
 * that grinds headers; it knows nothing of stratum, shares or payouts. Whoever feeds it work (the
 * stratum client, or a node's own work layer) turns its solutions into submissions.
 */

/** One unit of work: a stratum job, the connection's extranonce layout, and the target to meet. */
export interface MiningWork {
  jobId: string
  /** The job's header version (u32). Bits inside versionMask may be rolled. */
  version: number
  /** Previous block hash, internal byte order. */
  prevHash: Uint8Array
  ntime: number
  bits: number
  /** coinb1 | extranonce1 | extranonce2 | coinb2 is the coinbase's non-witness serialization. */
  coinb1: Uint8Array
  extranonce1: Uint8Array
  extranonce2Size: number
  coinb2: Uint8Array
  /** Sibling hashes from the coinbase up to the merkle root, internal byte order, leaf level first. */
  merkleBranch: readonly Uint8Array[]
  /** A solution's header hash, read as a little-endian 256-bit integer, is at most this. */
  target: bigint
  /** Version bits the driver may roll (BIP310); 0 = no rolling. */
  versionMask: number
}

/** A header that meets its work's target. */
export interface Solution {
  jobId: string
  extranonce2: Uint8Array
  ntime: number
  nonce: number
  /** The rolled bits: header version = (work.version & ~versionMask) | versionBits. 0 without rolling. */
  versionBits: number
  /** Header hash, internal byte order. */
  hash: Uint8Array
}

export interface ThreadStats {
  /** Hashes computed since the driver started. */
  hashes: number
  /** Hashes per second over the recent window. */
  hashrate: number
}

export interface DriverStats {
  threads: ThreadStats[]
  hashes: number
  hashrate: number
  /** Solutions emitted. */
  solutions: number
  /** Solutions of work that clean work had already replaced: dropped, never emitted. */
  discarded: number
  /** Solutions that failed the independent re-check (a driver bug or faulty hardware): dropped. */
  hardwareErrors: number
}

export interface Driver {
  /**
   * Switches to new work. clean = the previous work is worthless (new block): abandon it at once and
   * drop its unreported solutions. Otherwise solutions of the previous work may still arrive.
   */
  setWork(work: MiningWork, clean: boolean): void
  /** Stops hashing until the next setWork, dropping unreported solutions (e.g. connection lost). */
  clearWork(): void
  start(): Promise<void>
  stop(): Promise<void>
  stats(): DriverStats
  on(event: 'solution', listener: (solution: Solution) => void): this
  off(event: 'solution', listener: (solution: Solution) => void): this
}
