import type { ViewBatch, ViewEntry, ViewLike, ViewRange } from './view.js'

/**
 * A ViewLike held in memory with Hyperbee's ordering and batch semantics (a batch sees its own
 * writes; flush makes them visible). The auditor and the simulator replay into it; values are
 * deep-copied through JSON so nothing aliases, exactly as a Hyperbee with JSON values behaves.
 */
export class MemoryView implements ViewLike {
  private readonly data = new Map<string, string>()
  private sortedKeys: string[] | null = null

  async get(key: string): Promise<ViewEntry | null> {
    return this.getSync(key)
  }

  getSync(key: string): ViewEntry | null {
    const raw = this.data.get(key)
    return raw === undefined ? null : { key, value: JSON.parse(raw) as unknown }
  }

  batch(): ViewBatch {
    const pending = new Map<string, string | null>()
    return {
      get: async (key) => {
        if (pending.has(key)) {
          const raw = pending.get(key)
          return raw === null || raw === undefined ? null : { key, value: JSON.parse(raw) as unknown }
        }
        return this.getSync(key)
      },
      put: async (key, value) => {
        pending.set(key, JSON.stringify(value))
      },
      del: async (key) => {
        pending.set(key, null)
      },
      flush: async () => {
        for (const [k, v] of pending) {
          if (v === null) this.data.delete(k)
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
      .map(([k, v]) => `${k}\t${v}`)
      .join('\n')
  }
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
