/**
 * A thin client of a hashcoop node's HTTP API: the routes a MiningOS minerpool worker polls. Each
 * call is one GET with a timeout; an error names the route and what the node said.
 */

export interface HashcoopApiOptions {
  /** The node's API, e.g. http://127.0.0.1:8080 (hashcoop node --http). */
  apiUrl: string
  /** Per request. Default 30 s, as MiningOS's HTTP facility. */
  timeoutMs?: number
  fetch?: typeof fetch
}

export class HashcoopApiError extends Error {
  override name = 'HashcoopApiError'
  constructor(
    readonly route: string,
    readonly status: number | null,
    message: string
  ) {
    super(`${route}: ${message}`)
  }
}

export interface HashrateTriple {
  '10m': number
  '1h': number
  '24h': number
}

export interface ApiBest {
  difficulty: number
  at: string
  worker: string
}

export interface ApiWorker {
  name: string
  online: boolean
  hashrate: number
  accepted: number
  rejected: number
  shares: number
  difficulty: number
  lastShareAt: string | null
  hashrates?: HashrateTriple
  stale?: number
  best?: { allTime: ApiBest | null; sinceBlock: ApiBest | null }
}

export interface ApiMiner {
  address: string
  shares: number
  window: { work: string; pct: number }
  hashrate: number
  localHashrate: number
  localHashrates: HashrateTriple
  expectedPayout: { sats: string; btc: string } | null
  workers: ApiWorker[]
  best: { allTime: ApiBest | null; sinceBlock: ApiBest | null }
}

export interface ApiMinerReply {
  tip: { id: string; height: number } | null
  miner: ApiMiner
  payouts: { next: { sats: string; btc: string; pct: number } | null; past: { blockHeight: number; hash: string; time: number; sats: string; btc: string }[]; pastTotal: { blocks: number; sats: string; btc: string } }
}

export interface ApiStatus {
  cooperative: { consensusId: string; network: string; params: { name: string; windowShares: number } }
  tip: { id: string; height: number } | null
  shareChain: { shares: number; blocks: number; miners: number; hashrate: number; shareDifficulty: number }
  bitcoind: { connected: boolean; height: number | null }
  peers: { count: number }
  stratum: { connections: number; authorized: number; hashrate: number }
}

export interface ApiBlock {
  hash: string
  seq: number
  blockHeight: number
  time: number
  finder: string
  coinbaseValue: string
  coinbaseValueBtc: string
  outputs: { address: string; sats: string; btc: string }[]
}

export interface ApiBlocksReply {
  total: number
  blocks: ApiBlock[]
  nextBefore: number | null
}

export interface ApiNextSplit {
  tip: { id: string; height: number } | null
  template: { height: number; coinbaseValue: string; coinbaseValueBtc: string }
  finder: { address: string; assumed: boolean } | null
  outputs: { address: string; sats: string; btc: string; pct: number }[]
}

export class HashcoopMinerPoolApi {
  private readonly base: string
  private readonly timeoutMs: number
  private readonly fetch: typeof fetch

  constructor(opts: HashcoopApiOptions) {
    let url: URL
    try {
      url = new URL(opts.apiUrl)
    } catch {
      throw new HashcoopApiError('config', null, `apiUrl '${opts.apiUrl}' is not a URL`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HashcoopApiError('config', null, `apiUrl must be http(s), got ${url.protocol}`)
    this.base = url.toString().replace(/\/$/, '')
    this.timeoutMs = opts.timeoutMs ?? 30_000
    this.fetch = opts.fetch ?? fetch
  }

  getStatus(): Promise<ApiStatus> {
    return this.request<ApiStatus>('/api/status')
  }

  /** null when the node knows no such miner yet (404). */
  async getMiner(address: string): Promise<ApiMinerReply | null> {
    try {
      return await this.request<ApiMinerReply>(`/api/miners/${encodeURIComponent(address)}`)
    } catch (err) {
      if (err instanceof HashcoopApiError && err.status === 404) return null
      throw err
    }
  }

  /** Every found block, newest first (paged through /api/blocks), at most `max`. */
  async getBlocks(max = 2_000): Promise<ApiBlock[]> {
    const out: ApiBlock[] = []
    let before: number | null = null
    while (out.length < max) {
      const page: ApiBlocksReply = await this.request<ApiBlocksReply>(`/api/blocks?limit=500${before === null ? '' : `&before=${before}`}`)
      out.push(...page.blocks)
      if (page.nextBefore === null) break
      before = page.nextBefore
    }
    return out.slice(0, max)
  }

  /** null while the node has no template (503). */
  async getNextSplit(): Promise<ApiNextSplit | null> {
    try {
      return await this.request<ApiNextSplit>('/api/payouts/next')
    } catch (err) {
      if (err instanceof HashcoopApiError && err.status === 503) return null
      throw err
    }
  }

  private async request<T>(route: string): Promise<T> {
    let res: Response
    try {
      res = await this.fetch(this.base + route, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) })
    } catch (err) {
      throw new HashcoopApiError(route, null, `node unreachable: ${err instanceof Error ? err.message : String(err)}`)
    }
    let body: unknown
    try {
      body = await res.json()
    } catch {
      throw new HashcoopApiError(route, res.status, `HTTP ${res.status} without a JSON body`)
    }
    if (!res.ok) {
      const said = typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string' ? (body as { error: string }).error : `HTTP ${res.status}`
      throw new HashcoopApiError(route, res.status, said)
    }
    return body as T
  }
}
