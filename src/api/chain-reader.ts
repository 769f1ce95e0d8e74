/**
 * Reads the share-chain view for the API. Share records never change once written (a share's id
 * is its header hash), so they are cached by id; lists derived from the whole view (miners, found
 * blocks) are cached until the view moves (its stats.seq or tip changes).
 */
import { fromHex } from '../bitcoin/bytes.js'
import { scriptToAddress } from '../bitcoin/address.js'
import type { NetworkName } from '../bitcoin/networks.js'
import { EMPTY_STATS, KEY, RANGE, type BlockValue, type MinerValue, type ShareValue, type StatsValue, type TipValue, type ViewLike } from '../sharechain/view.js'

/** Enough for the longest walk (estimates.ts) with room; each entry is a few hundred bytes. */
const SHARE_CACHE_SIZE = 25_000

/** A share's record without its encoded bytes, which the API never shows (and which are the bulk). */
export type ShareSummary = Omit<ShareValue, 'bytes'>

export interface ShareEntry {
  id: string
  value: ShareSummary
}

export class ChainReader {
  private readonly shareCache = new Map<string, ShareSummary>()
  private listCache: { version: string; miners: MinerValue[] | null; blocks: BlockValue[] | null } = { version: '', miners: null, blocks: null }

  constructor(
    private readonly view: ViewLike,
    readonly network: NetworkName
  ) {}

  async tip(): Promise<TipValue | null> {
    return ((await this.view.get(KEY.tip))?.value as TipValue | undefined) ?? null
  }

  async stats(): Promise<StatsValue> {
    return ((await this.view.get(KEY.stats))?.value as StatsValue | undefined) ?? { ...EMPTY_STATS }
  }

  async share(id: string): Promise<ShareSummary | null> {
    const hit = this.shareCache.get(id)
    if (hit !== undefined) return hit
    const stored = (await this.view.get(KEY.share(id)))?.value as ShareValue | undefined
    if (stored === undefined) return null
    const { bytes: _bytes, ...value } = stored
    this.shareCache.set(id, value)
    if (this.shareCache.size > SHARE_CACHE_SIZE) this.shareCache.delete(this.shareCache.keys().next().value as string)
    return value
  }

  /** The best chain from the tip backwards, newest first, while `keep` holds, at most `max`. */
  async bestChain(max: number, keep: (s: ShareSummary) => boolean = () => true): Promise<ShareEntry[]> {
    const out: ShareEntry[] = []
    let id = (await this.tip())?.id ?? null
    while (id !== null && out.length < max) {
      const value = await this.share(id)
      if (value === null || !keep(value)) break
      out.push({ id, value })
      id = value.parent
    }
    return out
  }

  /** One page of the best chain, newest first: heights below `before` (null: from the tip). */
  async sharesPage(before: number | null, limit: number): Promise<{ shares: ShareEntry[]; nextBefore: number | null }> {
    const range = before === null ? { ...RANGE.heights, reverse: true, limit } : { gte: KEY.height(0), lt: KEY.height(before), reverse: true, limit }
    const shares: ShareEntry[] = []
    for await (const entry of this.view.createReadStream(range)) {
      const id = entry.value as string
      const value = await this.share(id)
      if (value !== null) shares.push({ id, value })
    }
    const last = shares.at(-1)
    return { shares, nextBefore: shares.length === limit && last !== undefined && last.value.height > 0 ? last.value.height : null }
  }

  async miners(): Promise<MinerValue[]> {
    await this.refreshLists()
    this.listCache.miners ??= await this.readAll<MinerValue>(RANGE.miners)
    return this.listCache.miners
  }

  /** Found blocks, newest first (by position in the log). */
  async blocks(): Promise<BlockValue[]> {
    await this.refreshLists()
    this.listCache.blocks ??= (await this.readAll<BlockValue>(RANGE.blocks)).sort((a, b) => b.seq - a.seq)
    return this.listCache.blocks
  }

  async miner(scriptHex: string): Promise<MinerValue | null> {
    return ((await this.view.get(KEY.miner(scriptHex)))?.value as MinerValue | undefined) ?? null
  }

  /** The address paying to a script; the script itself, marked, when it has no address form. */
  address(scriptHex: string): string {
    return scriptToAddress(fromHex(scriptHex), this.network) ?? `script:${scriptHex}`
  }

  private async refreshLists(): Promise<void> {
    const [stats, tip] = await Promise.all([this.stats(), this.tip()])
    const version = `${stats.seq}:${tip?.id ?? ''}`
    if (version !== this.listCache.version) this.listCache = { version, miners: null, blocks: null }
  }

  private async readAll<T>(range: { gt: string; lt: string }): Promise<T[]> {
    const out: T[] = []
    for await (const entry of this.view.createReadStream(range)) out.push(entry.value as T)
    return out
  }
}
