/**
 * The Hyperbee view's layout (SPEC.md §10) and the small structural interface of Hyperbee the
 * share-chain uses, so this layer needs no Holepunch import. Keys are utf-8; values are JSON with
 * big integers as decimal strings and bytes as hex.
 */
export interface ViewEntry {
  key: string
  value: unknown
}

export interface ViewReader {
  get(key: string): Promise<ViewEntry | null>
}

export interface ViewBatch extends ViewReader {
  put(key: string, value: unknown): Promise<void>
  del(key: string): Promise<void>
  flush(): Promise<void>
}

export interface ViewRange {
  gt?: string
  gte?: string
  lt?: string
  lte?: string
  reverse?: boolean
  limit?: number
}

export interface ViewLike extends ViewReader {
  batch(opts?: { update?: boolean }): ViewBatch
  createReadStream(range?: ViewRange): AsyncIterable<ViewEntry>
}

/**
 * Byte order of the utf-8 encodings of two keys (Hyperbee's order), without encoding them. UTF-16
 * code units sort like utf-8 bytes except that surrogates (0xD800-0xDFFF, the halves of code
 * points above 0xFFFF) must sort after 0xE000-0xFFFF; only the first differing unit matters.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return utf8Rank(x) - utf8Rank(y)
  }
  return a.length - b.length
}

function utf8Rank(unit: number): number {
  if (unit < 0xd800) return unit
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800
}

export const KEY = {
  genesis: 'genesis',
  tip: 'tip',
  stats: 'stats',
  share: (idHex: string) => `share!${idHex}`,
  height: (h: number) => `height!${String(h).padStart(12, '0')}`,
  miner: (scriptHex: string) => `miner!${scriptHex}`,
  block: (idHex: string) => `block!${idHex}`,
  invalid: (seq: number) => `invalid!${String(seq).padStart(12, '0')}`
} as const

export const RANGE = {
  shares: { gt: 'share!', lt: 'share"' },
  heights: { gt: 'height!', lt: 'height"' },
  miners: { gt: 'miner!', lt: 'miner"' },
  blocks: { gt: 'block!', lt: 'block"' },
  invalid: { gt: 'invalid!', lt: 'invalid"' }
} as const

export interface GenesisValue {
  params: string
  consensusId: string
}

export interface ShareValue {
  /** The encoded share (protocol/share.ts), hex. */
  bytes: string
  height: number
  parent: string | null
  /** The header's time. */
  time: number
  /** The time the rules read (SPEC.md §5.1). */
  chainTime: number
  target: string
  work: string
  cumWork: string
  script: string
  uncles: string[]
  isBlock: boolean
  /** Position in the applied log (order of arrival in this view). */
  seq: number
}

export interface TipValue {
  id: string
  height: number
  cumWork: string
}

export interface MinerValue {
  script: string
  shares: number
  work: string
  /** Shares of this miner that other shares credited as uncles. */
  uncles: number
  lastShareTime: number
}

export interface BlockValue {
  id: string
  height: number
  blockHeight: number
  time: number
  coinbaseValue: string
  finder: string
  outputs: { script: string; value: string }[]
  seq: number
}

export interface InvalidValue {
  seq: number
  reason: string
  detail: string
  /** The share id when the entry decoded far enough to have one. */
  id: string | null
  writer: string
  bytes: number
}

export interface StatsValue {
  /** Log entries applied (valid or not). */
  seq: number
  shares: number
  invalid: number
  blocks: number
}

export const EMPTY_STATS: StatsValue = { seq: 0, shares: 0, invalid: 0, blocks: 0 }

/**
 * A write-back cache over one apply call's batch: reads of keys the call already read or wrote
 * (the tip, miner totals, heights) are map lookups, and each key is written to the batch once, at
 * commit(), in first-touch order (deterministic: the same entries give the same writes on every
 * node). A Hyperbee batch appends a log entry per put, so this turns the tip's 50 puts per
 * 50-share apply into one. It lives for one call, so apply stays a pure function of the view.
 */
export class CachedBatch implements ViewBatch {
  private readonly cache = new Map<string, ViewEntry | null>()
  private readonly dirty = new Set<string>()

  constructor(private readonly inner: ViewBatch) {}

  async get(key: string): Promise<ViewEntry | null> {
    const hit = this.cache.get(key)
    if (hit !== undefined) return hit
    const entry = await this.inner.get(key)
    this.cache.set(key, entry)
    return entry
  }

  async put(key: string, value: unknown): Promise<void> {
    // Frozen: a later get returns this same object, and nobody may change what was written.
    this.cache.set(key, { key, value: Object.freeze(value) })
    this.dirty.add(key)
  }

  async del(key: string): Promise<void> {
    this.cache.set(key, null)
    this.dirty.add(key)
  }

  /** Writes every changed key to the underlying batch (which the caller flushes). */
  async commit(): Promise<void> {
    for (const key of this.dirty) {
      const entry = this.cache.get(key)
      if (entry === null || entry === undefined) await this.inner.del(key)
      else await this.inner.put(key, entry.value)
    }
    this.dirty.clear()
  }

  async flush(): Promise<void> {
    await this.commit()
    await this.inner.flush()
  }
}
