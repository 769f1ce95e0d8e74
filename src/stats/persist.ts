/**
 * worker-stats.json in the node's data dir: the WorkerBook as JSON, written atomically (a temporary
 * file renamed over the old one) so a crash mid-write leaves the previous copy. A file that is not
 * ours or is damaged is kept aside as worker-stats.json.bad-TIMESTAMP and the node starts with empty
 * accounting, saying so: accounting is not consensus, and losing it must not stop a node.
 */
import { readFile, rename } from 'node:fs/promises'
import { writeFileAtomic } from '../fs/write-atomic.js'
import { join } from 'node:path'
import type { RejectReason } from '../stratum/types.js'
import type { AddressRecord, BestShare, MinuteBucket, WorkerRecord } from './worker-book.js'

export const WORKER_STATS_FILE = 'worker-stats.json'
const FORMAT = 'hashcoop-worker-stats'
const VERSION = 1

export interface SavedBook {
  workers: WorkerRecord[]
  addresses: AddressRecord[]
  /** Blocks the share-chain had when the bests "since the last block" last started over. */
  blocksSeen: number | null
}

export class WorkerStatsFileError extends Error {
  override name = 'WorkerStatsFileError'
}

export function workerStatsPath(dataDir: string): string {
  return join(dataDir, WORKER_STATS_FILE)
}

/**
 * The file's text, taken at once (the book keeps changing while the write is under way). Buckets
 * are written as [start, difficulty, best] triples: the bulk of the file, less than half the size
 * of objects.
 */
export function serializeBook(book: SavedBook): string {
  const triples = (list: readonly MinuteBucket[]): [number, number, number][] => list.map((b) => [b.minute, b.difficulty, b.best])
  const workers = book.workers.map((w) => ({ ...w, minutes: triples(w.minutes), tens: triples(w.tens) }))
  return JSON.stringify({ format: FORMAT, version: VERSION, ...book, workers })
}

export async function writeBookText(dataDir: string, text: string): Promise<void> {
  await writeFileAtomic(workerStatsPath(dataDir), text, 0o600)
}

/** The saved book; null when there is none; throws WorkerStatsFileError (after moving the file aside) when it is damaged. */
export async function loadBook(dataDir: string): Promise<SavedBook | null> {
  const path = workerStatsPath(dataDir)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  try {
    return parseBook(JSON.parse(text) as unknown)
  } catch (err) {
    const aside = `${path}.bad-${Date.now()}`
    await rename(path, aside).catch(() => {})
    throw new WorkerStatsFileError(`${path} is damaged (${err instanceof Error ? err.message : String(err)}); kept as ${aside}, starting with empty worker stats`)
  }
}

type Obj = Record<string, unknown>

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function num(o: Obj, key: string): number {
  const v = o[key]
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${key} must be a non-negative number`)
  return v
}

function str(o: Obj, key: string): string {
  const v = o[key]
  if (typeof v !== 'string') throw new Error(`${key} must be a string`)
  return v
}

function best(v: unknown): BestShare | null {
  if (v === null || v === undefined) return null
  if (!isObj(v)) throw new Error('a best share must be an object')
  return { difficulty: num(v, 'difficulty'), at: num(v, 'at'), worker: str(v, 'worker') }
}

function bucket(v: unknown): MinuteBucket {
  if (!Array.isArray(v) || v.length !== 3) throw new Error('a bucket must be [start, difficulty, best]')
  const [minute, difficulty, best] = v.map((x: unknown, i) => num({ [i]: x }, String(i)))
  return { minute: minute as number, difficulty: difficulty as number, best: best as number }
}

function rejectedBy(v: unknown): Partial<Record<RejectReason, number>> {
  if (!isObj(v)) throw new Error('rejectedBy must be an object')
  const out: Partial<Record<RejectReason, number>> = {}
  for (const key of Object.keys(v)) out[key as RejectReason] = num(v, key)
  return out
}

function worker(v: unknown): WorkerRecord {
  if (!isObj(v)) throw new Error('a worker must be an object')
  const { minutes, tens } = v
  if (!Array.isArray(minutes) || !Array.isArray(tens)) throw new Error('minutes and tens must be arrays')
  const lastShareAt = v.lastShareAt === null ? null : num(v, 'lastShareAt')
  return {
    address: str(v, 'address'),
    worker: str(v, 'worker'),
    firstSeenAt: num(v, 'firstSeenAt'),
    accepted: num(v, 'accepted'),
    rejected: num(v, 'rejected'),
    stale: num(v, 'stale'),
    shares: num(v, 'shares'),
    blocks: num(v, 'blocks'),
    rejectedBy: rejectedBy(v.rejectedBy),
    difficulty: num(v, 'difficulty'),
    lastShareAt,
    lastSeenAt: num(v, 'lastSeenAt'),
    bestAllTime: best(v.bestAllTime),
    bestSinceBlock: best(v.bestSinceBlock),
    minutes: minutes.map(bucket).sort((a, b) => a.minute - b.minute),
    tens: tens.map(bucket).sort((a, b) => a.minute - b.minute)
  }
}

function address(v: unknown): AddressRecord {
  if (!isObj(v)) throw new Error('an address must be an object')
  return { address: str(v, 'address'), bestAllTime: best(v.bestAllTime), bestSinceBlock: best(v.bestSinceBlock) }
}

export function parseBook(v: unknown): SavedBook {
  if (!isObj(v) || v.format !== FORMAT) throw new Error(`not a ${FORMAT} file`)
  if (v.version !== VERSION) throw new Error(`version ${String(v.version)} is not ${VERSION}`)
  if (!Array.isArray(v.workers) || !Array.isArray(v.addresses)) throw new Error('workers and addresses must be arrays')
  return { workers: v.workers.map(worker), addresses: v.addresses.map(address), blocksSeen: v.blocksSeen === null || v.blocksSeen === undefined ? null : num(v, 'blocksSeen') }
}
