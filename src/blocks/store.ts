import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../fs/write-atomic.js'
import { join } from 'node:path'
import type { SubmitOutcomeKind } from '../bitcoin/submit-outcome.js'

/**
 * What this node knows of each Bitcoin block the cooperative found, kept in the data dir
 * (found-blocks.json) so the status and "submitted here" survive a restart, and a block whose
 * submission failed is still there to resubmit. The file is small (the block bytes are kept only
 * while the block may need resubmitting) and rewritten whole, atomically (write, then rename).
 */
export const FOUND_BLOCKS_FILE = 'found-blocks.json'
const FORMAT = 'hashcoop-found-blocks/1'

/**
 * - submitting: the first submitblock is in flight;
 * - unsubmitted: submitblock got no answer (bitcoind unreachable); kept and resubmitted;
 * - accepted: bitcoind accepted it; where it stands on the chain is not checked yet;
 * - in-best-chain: on bitcoind's best chain (with confirmations);
 * - race-lost: valid, but a competing block at its height won (inconclusive, stale-prevblk);
 * - orphaned: was on (or accepted for) the best chain, now off it;
 * - rejected: bitcoind found it invalid (its reason is kept);
 * - abandoned: could not be submitted while it could still win (the chain moved past it);
 * - unchecked: a block another node found, not looked up yet;
 * - unknown-to-bitcoind: a block another node found that this bitcoind does not have.
 */
export type BlockStatus =
  | 'submitting'
  | 'unsubmitted'
  | 'accepted'
  | 'in-best-chain'
  | 'race-lost'
  | 'orphaned'
  | 'rejected'
  | 'abandoned'
  | 'unchecked'
  | 'unknown-to-bitcoind'

export interface SubmitAttempt {
  /** ms since the epoch */
  at: number
  outcome: SubmitOutcomeKind
  reason: string | null
}

export interface FoundBlockRecord {
  /** display hex */
  hash: string
  height: number
  /** display hex of the parent */
  prevHash: string | null
  /** the finder's payout address, when known */
  finder: string | null
  /** ms since the epoch: found here, or first seen in the share-chain */
  seenAt: number
  /** this node's stratum received the solution and submitted it */
  submittedHere: boolean
  status: BlockStatus
  /** bitcoind's words (or ours, for abandoned) for the status */
  reason: string | null
  confirmations: number | null
  /** ms since the epoch of the last status change or check */
  checkedAt: number
  /** Set once the status needs no more checking (deep enough, rejected, abandoned). */
  final: boolean
  attempts: SubmitAttempt[]
  /** The serialized block, kept while it may have to be resubmitted. */
  blockHex: string | null
}

/** Attempts kept per block (a long outage retries often; the first and last ones tell the story). */
export const ATTEMPTS_KEPT = 20
/** Records kept: the newest ones; the oldest final ones go first. */
const RECORDS_KEPT = 10_000

export function foundBlocksPath(dataDir: string): string {
  return join(dataDir, FOUND_BLOCKS_FILE)
}

/** Reads the file; an absent file is an empty list, a damaged one an error naming the file. */
export async function readFoundBlocks(path: string): Promise<FoundBlockRecord[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new Error(`cannot read ${path}: ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new Error(`${path} is not JSON (${(err as Error).message}); move it away to start a new list`)
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { format?: unknown }).format !== FORMAT || !Array.isArray((parsed as { blocks?: unknown }).blocks)) {
    throw new Error(`${path} is not a ${FORMAT} file`)
  }
  const blocks = (parsed as { blocks: unknown[] }).blocks
  return blocks.map((b, i) => checkRecord(b, `${path} block ${i}`))
}

function checkRecord(value: unknown, where: string): FoundBlockRecord {
  const r = value as Partial<FoundBlockRecord>
  if (typeof r !== 'object' || r === null || typeof r.hash !== 'string' || !/^[0-9a-f]{64}$/.test(r.hash) || typeof r.height !== 'number' || typeof r.status !== 'string' || typeof r.submittedHere !== 'boolean') {
    throw new Error(`${where}: malformed record`)
  }
  return {
    hash: r.hash,
    height: r.height,
    prevHash: r.prevHash ?? null,
    finder: r.finder ?? null,
    seenAt: r.seenAt ?? 0,
    submittedHere: r.submittedHere,
    status: r.status,
    reason: r.reason ?? null,
    confirmations: r.confirmations ?? null,
    checkedAt: r.checkedAt ?? 0,
    final: r.final === true,
    attempts: Array.isArray(r.attempts) ? r.attempts : [],
    blockHex: r.blockHex ?? null
  }
}

/** Writes the list atomically: a crash leaves the old file or the new one, never half of one. */
export async function writeFoundBlocks(path: string, records: readonly FoundBlockRecord[]): Promise<void> {
  let kept = records
  if (kept.length > RECORDS_KEPT) {
    const finalOld = kept.filter((r) => r.final).sort((a, b) => a.seenAt - b.seenAt)
    const drop = new Set(finalOld.slice(0, kept.length - RECORDS_KEPT).map((r) => r.hash))
    kept = kept.filter((r) => !drop.has(r.hash))
  }
  await writeFileAtomic(path, JSON.stringify({ format: FORMAT, blocks: kept }, null, 1) + '\n')
}
