import { encodeHeader } from '../../src/bitcoin/header.js'
import { bitsToTarget, hashToBigInt } from '../../src/bitcoin/target.js'
import { sha256d } from '../../src/bitcoin/hash.js'
import { jobMerkleRoot, makeShareJob, shareFromSolution, type BlockFields } from '../../src/sharechain/build.js'
import type { PayoutSplit } from '../../src/sharechain/payouts.js'
import type { WorkBase } from '../../src/sharechain/state.js'
import { encodeEntry, type Share } from '../../protocol/share.js'
import { rawEnvelope, shareEnvelope, type Envelope, type FloodKind } from './envelope.js'
import { grindHeader } from './grind.js'
import type { FullNode } from './nodes.js'
import type { Rng } from './rng.js'
import { SIM_MAX_SHARE_BITS } from './scaling.js'

/**
 * Invalid shares as an attacker would make them, each aimed at one rule and costing the attacker
 * what that rule demands: nothing for malformed bytes, a replay or a bad proof of work; a sixteenth
 * of a share for anything that must pass stage 1 (the cooperative maximum target bounds it); a
 * full share for forged payouts on the right target. The attacker builds on its own node's view
 * of the tip, so everything else about the share is as plausible as an honest one.
 */
export interface FloodContext {
  node: FullNode
  rng: Rng
  block: BlockFields
  blockBits: number
  script: Uint8Array
  time: number
  seq: number
  /** A share every node has held for a while (replayed by the `duplicate` kind). */
  lastHonest: Envelope | null
}

const EASIEST_ALLOWED = SIM_MAX_SHARE_BITS
/** Canonical bits 4x easier than the maximum: refused before any hashing. */
const ABOVE_MAX_BITS = 0x203fffff
/** 0x000fff x 2^232 spelled with a leading zero byte; canonically 0x1f0fff00. */
const NONCANONICAL_BITS = 0x20000fff

export async function craftInvalid(kind: FloodKind, ctx: FloodContext): Promise<Envelope> {
  const origin = ctx.node.index
  switch (kind) {
    case 'malformed': {
      const whole = encodeEntry({ type: 'share', share: await buildOnTip(ctx, {}, 'ground') })
      return rawEnvelope(ctx.seq, whole.subarray(0, whole.length - 7), origin, kind)
    }
    case 'duplicate':
      if (ctx.lastHonest !== null) return { ...ctx.lastHonest, seq: ctx.seq, origin, miner: -1, intent: kind }
      // Nothing settled to replay yet (a flood that starts in the first minute): send another kind, labelled as such.
      return shareEnvelope(ctx.seq, await buildOnTip(ctx, { shareBits: NONCANONICAL_BITS }, 'unground'), origin, -1, 'noncanonical-bits')
    case 'high-hash':
      return shareEnvelope(ctx.seq, await buildOnTip(ctx, {}, 'unground'), origin, -1, kind)
    case 'noncanonical-bits':
      return shareEnvelope(ctx.seq, await buildOnTip(ctx, { shareBits: NONCANONICAL_BITS }, 'unground'), origin, -1, kind)
    case 'target-above-max':
      return shareEnvelope(ctx.seq, await buildOnTip(ctx, { shareBits: ABOVE_MAX_BITS }, 'unground'), origin, -1, kind)
    case 'unknown-parent': {
      const base = await tipBase(ctx)
      const orphanBase: WorkBase = { ...base, parentId: ctx.rng.bytes(32), height: base.height === 0 ? 1 : base.height, shareBits: EASIEST_ALLOWED, uncles: [] }
      return shareEnvelope(ctx.seq, mine(ctx, orphanBase, 'ground'), origin, -1, kind)
    }
    case 'bad-share-target':
      return shareEnvelope(ctx.seq, await buildOnTip(ctx, { shareBits: EASIEST_ALLOWED }, 'ground'), origin, -1, kind)
    case 'bad-merkle-root': {
      // Real bits, real proof of work, but a coinbase that pays the attacker everything.
      const forged = (script: Uint8Array, value: bigint): PayoutSplit => ({ outputs: [{ script, value }], earned: new Map(), lottery: null })
      return shareEnvelope(ctx.seq, await buildOnTip(ctx, { payouts: forged }, 'ground'), origin, -1, kind)
    }
  }
}

async function tipBase(ctx: FloodContext): Promise<WorkBase> {
  return ctx.node.workBaseOn(ctx.node.tipHex)
}

async function buildOnTip(ctx: FloodContext, change: Partial<WorkBase>, pow: 'ground' | 'unground'): Promise<Share> {
  return mine(ctx, { ...(await tipBase(ctx)), ...change }, pow)
}

function mine(ctx: FloodContext, base: WorkBase, pow: 'ground' | 'unground'): Share {
  const job = makeShareJob(base, ctx.block, ctx.script, 8)
  const extranonce = ctx.rng.bytes(8)
  const header = encodeHeader({
    version: 0x20000000,
    prevHash: new Uint8Array(32).fill(7),
    merkleRoot: jobMerkleRoot(job, extranonce),
    time: Math.max(ctx.time, base.minTime),
    bits: ctx.blockBits,
    nonce: 0
  })
  let target: bigint
  try {
    target = bitsToTarget(base.shareBits)
  } catch {
    target = 0n
  }
  return shareFromSolution(job, extranonce, pow === 'ground' ? grindHeader(header, target) : missTarget(header, target))
}

/** The first nonce whose hash does NOT meet the target: a header with no proof of work. */
function missTarget(header: Uint8Array, target: bigint): Uint8Array {
  const bytes = Uint8Array.from(header)
  const view = new DataView(bytes.buffer)
  for (let nonce = 0; ; nonce++) {
    view.setUint32(76, nonce, true)
    if (hashToBigInt(sha256d(bytes)) > target) return bytes
  }
}
