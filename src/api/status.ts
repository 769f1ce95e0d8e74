/** GET /api/status: the cooperative, this node, the share-chain tip, bitcoind, peers, stratum. */
import { toHex } from '../bitcoin/bytes.js'
import { hashToHex } from '../bitcoin/hash.js'
import { bitsToTarget, targetToDifficulty } from '../bitcoin/target.js'
import { decodeJoinKey, encodeJoinKey } from '../coop/join-key.js'
import type { CoopParams } from '../../protocol/params.js'
import { VERSION } from '../version.js'
import type { ApiContext } from './context.js'
import { hashrateOf, recentWork, HASHRATE_WINDOW_SECONDS } from './estimates.js'
import { formatBtc, formatHashrate } from './units.js'

export function paramsBody(p: CoopParams): Record<string, unknown> {
  return {
    version: p.version,
    network: p.network,
    name: p.name,
    createdAt: p.createdAt,
    shareInterval: p.shareInterval,
    halfLife: p.halfLife,
    windowShares: p.windowShares,
    maxUncles: p.maxUncles,
    uncleDepth: p.uncleDepth,
    uncleWeightBps: p.uncleWeightBps,
    finderBonusBps: p.finderBonusBps,
    minPayout: p.minPayout,
    maxOutputs: p.maxOutputs,
    coinbaseClasses: p.coinbaseClasses,
    maxShareBits: p.maxShareBits.toString(16).padStart(8, '0'),
    maxShareDifficulty: targetToDifficulty(bitsToTarget(p.maxShareBits)),
    initialShareBits: p.initialShareBits.toString(16).padStart(8, '0'),
    initialShareDifficulty: targetToDifficulty(bitsToTarget(p.initialShareBits)),
    salt: toHex(p.salt)
  }
}

/**
 * The join key as others may see it: a public cooperative's in full; a private one's never, as it
 * carries the encryption key (members already have it; the bootstrap key and consensus id are shown).
 */
export function publicJoinInfo(joinKey: string): { joinKey: string | null; private: boolean; bootstrapKey: string; consensusId: string } {
  const key = decodeJoinKey(joinKey)
  const isPrivate = key.encryptionKey !== null
  return {
    joinKey: isPrivate ? null : encodeJoinKey(key),
    private: isPrivate,
    bootstrapKey: toHex(key.bootstrapKey),
    consensusId: toHex(key.consensusId)
  }
}

export interface StatusBody {
  version: string
  cooperative: ReturnType<typeof publicJoinInfo> & { network: string; params: Record<string, unknown> }
  node: { writerKey: string; writable: boolean; indexer: boolean; uptimeSeconds: number }
  tip: { id: string; height: number; cumWork: string; time: number | null; miner: string | null; isBlock: boolean } | null
  shareChain: { shares: number; invalid: number; blocks: number; entries: number; miners: number; shareDifficulty: number; hashrate: number; hashrateText: string; hashrateWindowSeconds: number }
  bitcoind: {
    connected: boolean
    notify: string | null
    height: number | null
    newBlocks: number
    lastTemplate: { height: number; prevHash: string; coinbaseValue: string; coinbaseValueBtc: string; transactions: number; segwit: boolean; receivedAt: string } | null
    blocksSubmitted: { submitted: number; accepted: number; rejected: number; raceLost: number; unsubmitted: number; lastReason: string | null }
  }
  peers: { count: number; list: { id: string; writer: boolean }[] }
  /** protocol/COOP.md §Cut off: while true, shares are refused and blocks pay the split at `tip`. */
  cutOff: { cutOff: boolean; reason: string | null; since: string | null; detail: string; heldBlocks: number }
  /** The data dir's disk: `failure` set means the node is stopping; `low` means under a day of shares' room. */
  storage: { ok: boolean; failure: string | null; freeBytes: number | null; lowSpaceBytes: number; low: boolean }
  stratum: {
    connections: number
    authorized: number
    accepted: number
    rejected: number
    rejectedByReason: Record<string, number | undefined>
    shares: number
    blocks: number
    hashrate: number
    hashrateText: string
    bestDifficulty: number
    lastShareAt: string | null
    /** Connections refused or dropped by a limit, by reason. */
    refusals: Record<string, number>
    refusedConnections: number
    unprovenSessions: number
    unprovenAddresses: number
    provenAddresses: number
    coinbaseCache: { entries: number; bytes: number }
    lastFanout: { sessions: number; slices: number; longestSliceMs: number; totalMs: number; finished: boolean } | null
  }
}

function storageBody(node: ApiContext['node']): StatusBody['storage'] {
  const st = node.storage?.status() ?? { failure: null, freeBytes: null, lowSpaceBytes: 0, low: false }
  return { ok: st.failure === null && !st.low, ...st }
}

function cutOffBody(node: ApiContext['node']): StatusBody['cutOff'] {
  const r = node.reach?.state
  return {
    cutOff: r?.cutOff ?? false,
    reason: r?.reason ?? null,
    since: r?.since == null ? null : new Date(r.since).toISOString(),
    detail: r?.detail ?? 'connected to the cooperative',
    heldBlocks: node.heldBlocks?.size ?? 0
  }
}

export async function statusBody(ctx: ApiContext): Promise<StatusBody> {
  const { node, reader } = ctx
  const [tip, stats, miners] = await Promise.all([reader.tip(), reader.stats(), reader.miners()])
  const tipShare = tip === null ? null : await reader.share(tip.id)
  const recent = await recentWork(reader, await ctx.chainNow(), node.params.createdAt)
  const coopHashrate = hashrateOf(recent.total, recent.span)
  const shareDifficulty = tipShare === null ? targetToDifficulty(bitsToTarget(node.params.initialShareBits)) : targetToDifficulty(BigInt('0x' + tipShare.target))
  const t = ctx.template()
  const s = node.stratum.stats()
  const rejected = Object.values(s.rejected).reduce((a, b) => a + (b ?? 0), 0)
  return {
    version: VERSION,
    cooperative: { ...publicJoinInfo(node.joinKey), network: node.params.network, params: paramsBody(node.params) },
    node: {
      writerKey: toHex(node.base.localKey),
      writable: node.base.writable,
      indexer: node.base.isIndexer,
      uptimeSeconds: Math.floor((ctx.now() - ctx.startedAt) / 1000)
    },
    tip:
      tip === null
        ? null
        : { id: tip.id, height: tip.height, cumWork: tip.cumWork, time: tipShare?.time ?? null, miner: tipShare === null ? null : reader.address(tipShare.script), isBlock: tipShare?.isBlock ?? false },
    shareChain: {
      shares: stats.shares,
      invalid: stats.invalid,
      blocks: stats.blocks,
      entries: stats.seq,
      miners: miners.length,
      shareDifficulty,
      hashrate: coopHashrate,
      hashrateText: formatHashrate(coopHashrate),
      hashrateWindowSeconds: Math.min(HASHRATE_WINDOW_SECONDS, recent.span)
    },
    bitcoind: {
      connected: node.templates.stats.connected,
      notify: node.templates.stats.mode,
      height: t === null ? null : t.template.height - 1,
      newBlocks: node.templates.stats.newBlocks,
      lastTemplate:
        t === null
          ? null
          : {
              height: t.template.height,
              prevHash: hashToHex(t.template.prevHash),
              coinbaseValue: String(t.template.coinbaseValue),
              coinbaseValueBtc: formatBtc(t.template.coinbaseValue),
              transactions: t.template.transactions.length,
              segwit: t.template.witnessCommitment !== null,
              receivedAt: new Date(t.receivedAt).toISOString()
            },
      blocksSubmitted: { ...node.work.stats.blocks }
    },
    peers: {
      count: node.swarm.peerCount,
      list: [...node.swarm.peers.values()].map((p) => ({ id: p.id.slice(0, 16), writer: p.writer }))
    },
    cutOff: cutOffBody(node),
    storage: storageBody(node),
    stratum: {
      connections: s.connections,
      authorized: s.authorized,
      accepted: s.accepted,
      rejected,
      rejectedByReason: s.rejected,
      shares: s.shares,
      blocks: s.blocks,
      hashrate: s.hashrate,
      hashrateText: formatHashrate(s.hashrate),
      bestDifficulty: s.bestDifficulty,
      lastShareAt: s.lastShareAt === null ? null : new Date(s.lastShareAt).toISOString(),
      refusals: s.refusals,
      refusedConnections: s.refusedConnections,
      unprovenSessions: s.unprovenSessions,
      unprovenAddresses: s.unprovenAddresses,
      provenAddresses: s.provenAddresses,
      coinbaseCache: s.coinbaseCache,
      lastFanout: s.lastFanout
    }
  }
}
