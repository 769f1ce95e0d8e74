import { equalBytes, fromHex, toHex } from '../bitcoin/bytes.js'
import { consensusId as computeConsensusId, decodeParams } from '../../protocol/params.js'
import { KEY, RANGE, type BlockValue, type GenesisValue, type InvalidValue, type MinerValue, type ShareValue, type StatsValue, type TipValue, type ViewEntry, type ViewReader, type ViewRange } from '../sharechain/view.js'
import { checkClaim } from './claims.js'
import { AuditSourceError, type AuditSource, type LogItem, type NodeClaims, type SourceKind } from './log.js'

/** The reads a source needs: Hyperbee (a node's view, or a snapshot of it) and MemoryView both have them. */
export interface ReadableView extends ViewReader {
  createReadStream(range?: ViewRange): AsyncIterable<ViewEntry>
}

export interface ViewSourceOptions {
  kind: SourceKind
  label: string
  /** The join key's consensus id: the view's genesis must hash to it. */
  expectedConsensusId?: Uint8Array
  close?: () => Promise<void>
}

interface IndexEntry {
  seq: number
  id: string
}

/**
 * Reads a node's view as an audit source. Only the small index (seq and id of each share) is held
 * in memory; each share's record is fetched again when the replay reaches it, so a long chain does
 * not have to fit in memory twice.
 */
export async function viewSource(view: ReadableView, opts: ViewSourceOptions): Promise<AuditSource> {
  const genesis = (await view.get(KEY.genesis))?.value as GenesisValue | undefined
  if (genesis === undefined) throw new AuditSourceError(`${opts.label} has no genesis record yet: nothing to audit`)
  let params
  try {
    params = decodeParams(fromHex(genesis.params, 'genesis params'))
  } catch (err) {
    throw new AuditSourceError(`${opts.label}: its genesis record does not decode: ${(err as Error).message}`)
  }
  const consensusId = computeConsensusId(params)
  if (toHex(consensusId) !== genesis.consensusId) throw new AuditSourceError(`${opts.label}: the genesis record hashes to ${toHex(consensusId)}, the view says ${genesis.consensusId}`)
  if (opts.expectedConsensusId !== undefined && !equalBytes(consensusId, opts.expectedConsensusId)) {
    throw new AuditSourceError(`${opts.label}: the view's genesis is cooperative ${toHex(consensusId)}, the join key names ${toHex(opts.expectedConsensusId)}`)
  }

  const bad = (key: string, what: string): never => {
    throw new AuditSourceError(`${opts.label}: its record ${key} is damaged (${what}); it cannot be placed in the log`)
  }
  const shares: IndexEntry[] = []
  for await (const e of view.createReadStream(RANGE.shares)) {
    const v = e.value as Partial<ShareValue> | null
    const id = e.key.slice('share!'.length)
    if (!ID_RE.test(id)) bad(e.key, 'the key is not a 32-byte hex id')
    if (!isSeq(v?.seq)) bad(e.key, 'no log position')
    shares.push({ seq: v?.seq as number, id })
  }
  shares.sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : 1))
  const rejected: InvalidValue[] = []
  for await (const e of view.createReadStream(RANGE.invalid)) {
    const v = e.value as Partial<InvalidValue> | null
    if (v === null || !isSeq(v.seq) || typeof v.reason !== 'string' || typeof v.detail !== 'string' || typeof v.writer !== 'string' || !isSeq(v.bytes) || !(v.id === null || (typeof v.id === 'string' && ID_RE.test(v.id)))) {
      bad(e.key, 'not an invalid-entry record')
    }
    rejected.push(v as InvalidValue)
  }
  rejected.sort((a, b) => a.seq - b.seq)

  const claim = <T>(e: ViewEntry): T => checkClaim(e.key, e.value, (what) => bad(e.key, what)) as T
  const tip = await view.get(KEY.tip)
  const stats = await view.get(KEY.stats)
  const claims: NodeClaims = {
    tip: tip === null ? null : claim<TipValue>(tip),
    stats: stats === null ? null : claim<StatsValue>(stats),
    miners: (await collect(view, RANGE.miners)).map((e) => claim<MinerValue>(e)),
    blocks: (await collect(view, RANGE.blocks)).map((e) => claim<BlockValue>(e)),
    heights: await collect(view, RANGE.heights)
  }

  async function* items(): AsyncIterable<LogItem> {
    let r = 0
    for (const s of shares) {
      while (r < rejected.length && (rejected[r] as InvalidValue).seq < s.seq) yield { kind: 'rejected', seq: (rejected[r] as InvalidValue).seq, value: rejected[r++] as InvalidValue }
      const stored = (await view.get(KEY.share(s.id)))?.value as ShareValue | undefined
      if (stored === undefined) throw new AuditSourceError(`${opts.label}: share ${s.id} vanished from the view while it was read`)
      yield { kind: 'share', seq: s.seq, claimedId: s.id, bytes: shareBytes(stored, s.id), stored }
    }
    while (r < rejected.length) yield { kind: 'rejected', seq: (rejected[r] as InvalidValue).seq, value: rejected[r++] as InvalidValue }
  }

  return {
    kind: opts.kind,
    label: opts.label,
    params,
    consensusId,
    itemCount: shares.length + rejected.length,
    items,
    claims,
    close: opts.close ?? (async () => {})
  }
}

const ID_RE = /^[0-9a-f]{64}$/

function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

/** The share's encoded bytes; a record whose hex does not parse replays as an empty (malformed) entry. */
function shareBytes(v: ShareValue, id: string): Uint8Array {
  try {
    return fromHex(v.bytes, `share ${id}`)
  } catch {
    return new Uint8Array(0)
  }
}

async function collect(view: ReadableView, range: ViewRange): Promise<ViewEntry[]> {
  const out: ViewEntry[] = []
  for await (const e of view.createReadStream(range)) out.push({ key: e.key, value: e.value })
  return out
}
