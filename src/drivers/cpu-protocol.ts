import type { MiningWork, Solution } from './types.js'

/**
 * What the CPU driver and its worker threads say to each other. Work goes down by message; a shared
 * Int32Array (CONTROL) tells a busy worker, between batches, that a message is waiting, because a
 * thread in a hot loop never returns to its event loop to receive one.
 */

/** Slots of the shared control array. */
export const CONTROL_SEQUENCE = 0
export const CONTROL_STOP = 1
export const CONTROL_SLOTS = 2

/** Hashes between two looks at the control array: ~5 ms of work at 0.8 MH/s, so cancels are prompt. */
export const CHECK_INTERVAL = 4096

export interface WorkerInit {
  thread: number
  threads: number
  /** Int32Array over CONTROL_SLOTS slots. */
  control: SharedArrayBuffer
  /** BigInt64Array, one slot per thread: that thread's running hash count (written only by it). */
  hashCounters: SharedArrayBuffer
}

/** Main -> worker. sequence = the CONTROL_SEQUENCE value this message belongs to. */
export type ToWorker = { type: 'work'; sequence: number; work: MiningWork } | { type: 'idle'; sequence: number }

/** Worker -> main. */
export type FromWorker =
  | { type: 'solution'; sequence: number; solution: Solution }
  /** The thread left a work (replaced, cleared or searched through) after `hashes` hashes on it. */
  | { type: 'left'; sequence: number; thread: number; hashes: number; exhausted: boolean }
  | { type: 'failed'; message: string }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

export function isWorkerInit(value: unknown): value is WorkerInit {
  return (
    isRecord(value) &&
    Number.isInteger(value.thread) &&
    Number.isInteger(value.threads) &&
    value.control instanceof SharedArrayBuffer &&
    value.hashCounters instanceof SharedArrayBuffer
  )
}

export function isToWorker(value: unknown): value is ToWorker {
  if (!isRecord(value) || !Number.isInteger(value.sequence)) return false
  return value.type === 'idle' || (value.type === 'work' && isRecord(value.work))
}

export function isFromWorker(value: unknown): value is FromWorker {
  if (!isRecord(value)) return false
  if (value.type === 'failed') return typeof value.message === 'string'
  if (!Number.isInteger(value.sequence)) return false
  if (value.type === 'left') return Number.isInteger(value.thread) && Number.isInteger(value.hashes) && typeof value.exhausted === 'boolean'
  return value.type === 'solution' && isRecord(value.solution)
}
