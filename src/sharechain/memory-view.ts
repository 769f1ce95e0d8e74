import { compareKeys, type ViewBatch, type ViewEntry, type ViewLike, type ViewRange } from './view.js'

/**
 * A ViewLike held in memory with Hyperbee's ordering and batch semantics (a batch sees its own
 * writes; flush makes them visible). The auditor and the simulator replay into it. Values must be
 * JSON data (as in a Hyperbee with JSON values); they are deep-frozen when written, so a reader
 * can never change what is stored, without the cost of copying or parsing on every read.
 */
export class MemoryView implements ViewLike {
  private readonly data = new Map<string, unknown>()
  private sortedKeys: string[] | null = null

  async get(key: string): Promise<ViewEntry | null> {
    return this.getSync(key)
  }

  getSync(key: string): ViewEntry | null {
    return this.data.has(key) ? { key, value: this.data.get(key) } : null
  }

  batch(): ViewBatch {
    /** Pending writes; a deletion is marked with DELETED. */
    const pending = new Map<string, unknown>()
    return {
      get: async (key) => {
        if (pending.has(key)) {
          const value = pending.get(key)
          return value === DELETED ? null : { key, value }
        }
        return this.getSync(key)
      },
      put: async (key, value) => {
        pending.set(key, deepFreeze(value))
      },
      del: async (key) => {
        pending.set(key, DELETED)
      },
      flush: async () => {
        for (const [k, v] of pending) {
          if (v === DELETED) this.data.delete(k)
          else this.data.set(k, v)
        }
        if (pending.size > 0) this.sortedKeys = null
        pending.clear()
      }
    }
  }

  async *createReadStream(range: ViewRange = {}): AsyncIterable<ViewEntry> {
    if (this.sortedKeys === null) this.sortedKeys = [...this.data.keys()].sort(compareKeys)
    // Binary search for the range: a view holds every share; a range is often a few keys of it.
    const keys = this.sortedKeys.slice(lowerBound(this.sortedKeys, range), upperBound(this.sortedKeys, range))
    if (range.reverse === true) keys.reverse()
    const limit = range.limit ?? Infinity
    for (let i = 0; i < keys.length && i < limit; i++) {
      const entry = this.getSync(keys[i] as string)
      if (entry !== null) yield entry
    }
  }

  get size(): number {
    return this.data.size
  }

  /** Every key and value, in key order: two views with equal dumps are equal. */
  dump(): string {
    return [...this.data.entries()]
      .sort(([a], [b]) => compareKeys(a, b))
      .map(([k, v]) => `${k}\t${JSON.stringify(v)}`)
      .join('\n')
  }
}

const DELETED = Symbol('deleted')

/** Freezes a JSON value and everything in it. */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value
  for (const v of Object.values(value)) deepFreeze(v)
  return Object.freeze(value)
}

/** The first index of `sorted` whose key is above the range's lower bounds (gt and gte both apply). */
function lowerBound(sorted: readonly string[], r: ViewRange): number {
  const afterGte = r.gte === undefined ? 0 : search(sorted, (c) => c < 0, r.gte)
  const afterGt = r.gt === undefined ? 0 : search(sorted, (c) => c <= 0, r.gt)
  return Math.max(afterGte, afterGt)
}

/** The index after the last key of `sorted` within the range's upper bounds. */
function upperBound(sorted: readonly string[], r: ViewRange): number {
  const uptoLte = r.lte === undefined ? sorted.length : search(sorted, (c) => c <= 0, r.lte)
  const uptoLt = r.lt === undefined ? sorted.length : search(sorted, (c) => c < 0, r.lt)
  return Math.min(uptoLte, uptoLt)
}

/** The number of leading keys for which `before(compareKeys(key, bound))` holds (keys sorted). */
function search(sorted: readonly string[], before: (c: number) => boolean, bound: string): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (before(compareKeys(sorted[mid] as string, bound))) lo = mid + 1
    else hi = mid
  }
  return lo
}
