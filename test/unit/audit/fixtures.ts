/**
 * Cooperatives for the audit tests: an honest one mined with the share-chain harness (several
 * miners, forks credited as uncles, found blocks, junk the node rejected, an admin entry), and
 * forged shares a dishonest node might slip in. Every share is really mined: tampering is done
 * before the proof of work, never by editing a mined share.
 */
import { createHash } from 'node:crypto'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { assembleCoinbase, txid, type TxOutput } from '../../../src/bitcoin/coinbase.js'
import { encodeHeader, headerHash } from '../../../src/bitcoin/header.js'
import { foldMerkleBranch } from '../../../src/bitcoin/merkle.js'
import { bitsToTarget, hashToBigInt, targetToBits } from '../../../src/bitcoin/target.js'
import { encodeEntry, encodeShare, SHARE_VERSION, type Share } from '../../../protocol/share.js'
import { shareCoinbaseParts } from '../../../src/sharechain/coinbase.js'
import { compareOutputs } from '../../../src/sharechain/payouts.js'
import type { WorkBase } from '../../../src/sharechain/state.js'
import { KEY, type MinerValue, type ShareValue } from '../../../src/sharechain/view.js'
import { viewSource } from '../../../src/audit/view-source.js'
import type { AuditSource, LogItem } from '../../../src/audit/log.js'
import { TestChain, minerScript, testParams } from '../../harness/sharechain.js'

export const REGTEST_BLOCK_BITS = 0x207fffff
export const params = testParams({ maxUncles: 2, uncleDepth: 3, windowShares: 40, minPayout: 1 }, 'hashcoop-audit-test')
export const idOf = (s: Share): string => toHex(headerHash(s.header))

export interface Honest {
  chain: TestChain
  shares: Share[]
  /** Ids of the shares that are also (regtest) blocks. */
  blocks: string[]
}

/**
 * 6 miners, 40 shares on the best chain, two forks whose losers are credited as uncles, 4 found
 * blocks, 2 entries the node rejected and one admin entry in the log.
 */
export async function mineHonest(): Promise<Honest> {
  const c = await TestChain.create(params)
  const shares: Share[] = []
  const blocks: string[] = []
  const add = async (s: Share): Promise<void> => {
    const o = await c.submit(s)
    if (o.kind !== 'share') throw new Error(`honest share rejected: ${JSON.stringify(o)}`)
    shares.push(s)
    if (o.isBlock) blocks.push(o.id)
  }
  for (let i = 0; i < 40; i++) {
    const miner = minerScript(i % 6)
    const isBlock = i % 10 === 7
    if (i === 12 || i === 25) {
      // a race: a sibling of the tip by another miner, applied after it (one of the two becomes an uncle)
      const tip = await c.tip()
      const parent = c.state.shareChain?.get(tip?.id ?? '')?.parentHex ?? null
      const parentTime = parent === null ? params.createdAt : (c.state.shareChain?.get(parent)?.time ?? params.createdAt)
      await add(await c.mine(minerScript(9), { parent, time: parentTime + params.shareInterval + 3 }))
    }
    await add(await c.mine(miner, isBlock ? { headerBits: REGTEST_BLOCK_BITS } : {}))
    if (i === 5) {
      // junk the node rejects: a share with a damaged header (high-hash), and a truncated entry
      const junk = await c.mine(minerScript(1))
      const header = junk.header.slice()
      header[40] = (header[40] as number) ^ 0xff
      if ((await c.submit({ ...junk, header })).kind !== 'invalid') throw new Error('junk accepted')
      if ((await c.applyEntries([{ value: Uint8Array.of(1, 2, 3), writer: 'junk' }]))[0]?.kind !== 'invalid') throw new Error('junk accepted')
    }
    if (i === 20) await c.applyEntries([{ value: encodeEntry({ type: 'admin', payload: new Uint8Array(34) }), writer: 'founder' }])
  }
  return { chain: c, shares, blocks }
}

export function sourceOf(c: TestChain, label = 'test view'): Promise<AuditSource> {
  return viewSource(c.view, { kind: 'view', label })
}

/** Grinds the nonce of `header` (80 bytes, nonce 0) until it meets `target`. */
export function grind(header: Uint8Array, target: bigint): Uint8Array {
  const bytes = header.slice()
  const dv = new DataView(bytes.buffer)
  for (let nonce = 0; nonce <= 0xffffffff; nonce++) {
    dv.setUint32(76, nonce, true)
    const h = createHash('sha256').update(createHash('sha256').update(bytes).digest()).digest()
    if (hashToBigInt(h) <= target) return bytes
  }
  throw new Error('nonce space exhausted')
}

export interface ForgeOptions {
  /** Rewrites the payout outputs the chain dictates (the coinbase then pays these). */
  payouts?: (outputs: TxOutput[]) => TxOutput[]
  /** Declares these share bits instead of the retarget's. */
  shareBits?: number
  headerBits?: number
  time?: number
  coinbaseValue?: bigint
}

/**
 * Mines a share on the tip exactly as an honest miner would, except for what `opts` changes
 * before the proof of work: the result has valid PoW and a self-consistent coinbase.
 */
export async function forgeShare(c: TestChain, finder: Uint8Array, opts: ForgeOptions): Promise<Share> {
  const base = (await c.state.workBase(c.view)) as WorkBase
  const shareBits = opts.shareBits ?? base.shareBits
  const value = opts.coinbaseValue ?? 5_000_000_000n
  const honest = base.payouts(finder, value).outputs
  const payouts = (opts.payouts ?? ((o) => o))(honest.map((o) => ({ ...o })))
  const blockHeight = 1000 + base.height
  const tag = new TextEncoder().encode('/test/')
  const extranonce = Uint8Array.of(0xfa, 0xce, 0, 0, 0, 0, 0, 1)
  const parts = shareCoinbaseParts({
    consensusId: base.chain.consensusId,
    info: { height: base.height, parent: base.parentId, uncles: base.uncles, shareBits, payoutScript: finder },
    blockHeight,
    extranonceSize: extranonce.length,
    tag,
    witnessCommitment: null,
    payouts
  })
  const merkleRoot = foldMerkleBranch(txid(assembleCoinbase(parts, extranonce)), [])
  const time = opts.time ?? (base.parent === null ? params.createdAt + params.shareInterval : base.parent.time + params.shareInterval)
  const header = grind(encodeHeader({ version: 0x20000000, prevHash: new Uint8Array(32).fill(7), merkleRoot, time, bits: opts.headerBits ?? 0x03000001, nonce: 0 }), bitsToTarget(shareBits))
  return {
    version: SHARE_VERSION,
    header,
    height: base.height,
    parent: base.parentId,
    uncles: base.uncles,
    shareBits,
    payoutScript: finder,
    blockHeight,
    extranonce,
    tag,
    coinbaseValue: Number(value),
    witnessCommitment: null,
    merkleBranch: [],
    coinbaseClass: 0
  }
}

/** Moves 10 % of every other output to `favoured` (kept in coinbase order). */
export function favour(favoured: Uint8Array): (outputs: TxOutput[]) => TxOutput[] {
  return (outputs) => {
    let taken = 0n
    const out = outputs.map((o) => {
      if (toHex(o.script) === toHex(favoured)) return o
      const cut = o.value / 10n
      taken += cut
      return { ...o, value: o.value - cut }
    })
    const mine = out.find((o) => toHex(o.script) === toHex(favoured))
    if (mine !== undefined) mine.value += taken
    else out.push({ script: favoured, value: taken })
    return out.sort(compareOutputs)
  }
}

/** Share bits twice as easy as `bits`. */
export function easier(bits: number): number {
  return targetToBits(bitsToTarget(bits) * 2n)
}

/**
 * The source of a node that also accepted `forged` at the next log position: its share! record
 * (derived fields as an accepting node would store them) and, for a block, a block! record paying
 * `claimedOutputs`. The rest of its view is left as the honest node has it.
 */
export function withInjected(source: AuditSource, forged: Share, claimedOutputs?: TxOutput[]): AuditSource {
  const id = idOf(forged)
  let seq = 0
  const stats = source.claims.stats
  const bytes = encodeShare(forged)
  return {
    ...source,
    itemCount: source.itemCount + 1,
    async *items(): AsyncIterable<LogItem> {
      for await (const item of source.items()) {
        seq = Math.max(seq, item.seq + 1)
        yield item
      }
      yield { kind: 'share', seq: Math.max(seq, stats?.seq ?? 0), claimedId: id, bytes }
    },
    claims: {
      ...source.claims,
      heights: null,
      stats: stats === null ? null : { ...stats, seq: stats.seq + 1, shares: stats.shares + 1, blocks: stats.blocks + (claimedOutputs === undefined ? 0 : 1) },
      blocks:
        claimedOutputs === undefined
          ? source.claims.blocks
          : [
              ...source.claims.blocks,
              {
                id,
                height: forged.height,
                blockHeight: forged.blockHeight,
                time: new DataView(forged.header.buffer, forged.header.byteOffset).getUint32(68, true),
                coinbaseValue: String(forged.coinbaseValue),
                finder: toHex(forged.payoutScript),
                outputs: claimedOutputs.map((o) => ({ script: toHex(o.script), value: String(o.value) })),
                seq: stats?.seq ?? 0
              }
            ].sort((a, b) => (a.id < b.id ? -1 : 1))
    }
  }
}

/** The node's miner record for `script`, from its view. */
export async function minerRecord(c: TestChain, script: Uint8Array): Promise<MinerValue | undefined> {
  return (await c.view.get(KEY.miner(toHex(script))))?.value as MinerValue | undefined
}

export async function shareRecord(c: TestChain, id: string): Promise<ShareValue | undefined> {
  return (await c.view.get(KEY.share(id)))?.value as ShareValue | undefined
}
