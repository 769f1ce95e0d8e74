import type { ViewBatch, ViewEntry, ViewLike, ViewRange } from './view.js'

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
    const keys = this.sortedKeys.filter((k) => inRange(k, range))
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

/** Byte order of the utf-8 keys, as Hyperbee sorts them. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

function inRange(k: string, r: ViewRange): boolean {
  if (r.gt !== undefined && compareKeys(k, r.gt) <= 0) return false
  if (r.gte !== undefined && compareKeys(k, r.gte) < 0) return false
  if (r.lt !== undefined && compareKeys(k, r.lt) >= 0) return false
  if (r.lte !== undefined && compareKeys(k, r.lte) > 0) return false
  return true
}
