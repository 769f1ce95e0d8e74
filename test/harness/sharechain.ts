/**
 * Test harness for the share-chain: deterministic parameters, an in-memory view, and a miner that
 * builds real shares (real coinbase, real merkle root, nonce ground with node:crypto for speed).
 */
import { createHash } from 'node:crypto'
import { addressToScript } from '../../src/bitcoin/address.js'
import { encodeHeader, type BlockHeader } from '../../src/bitcoin/header.js'
import { bitsToTarget, hashToBigInt, targetToBits } from '../../src/bitcoin/target.js'
import { sha256 } from '../../src/bitcoin/hash.js'
import { consensusId, defaultParams, type CoopParams, type ParamsOverrides } from '../../protocol/params.js'
import { encodeEntry, type Share } from '../../protocol/share.js'
import { ShareChainState, type LogEntry, type Outcome, type StateOptions } from '../../src/sharechain/state.js'
import { MemoryView } from '../../src/sharechain/memory-view.js'
import type { BlockTemplate } from '../../src/bitcoin/template.js'
import type { ViewReader } from '../../src/sharechain/view.js'
import { jobMerkleRoot, makeShareJob, shareFromSolution, type BlockFields } from '../../src/sharechain/build.js'

export const GENESIS_TIME = 1_800_000_000

/** Deterministic regtest parameters with a share target of ~1 in 256 hashes. */
export function testParams(overrides: ParamsOverrides = {}, seed = 'hashcoop-test'): CoopParams {
  return defaultParams('regtest', sha256(new TextEncoder().encode(seed)), GENESIS_TIME, {
    initialShareBits: targetToBits(1n << 248n),
    shareInterval: 10,
    halfLife: 600,
    windowShares: 100,
    ...overrides
  })
}

/** Deterministic payout scripts: P2WPKH of sha256(i) truncated, a valid standard script. */
export function minerScript(i: number): Uint8Array {
  const h = sha256(new TextEncoder().encode(`miner-${i}`)).slice(0, 20)
  return Uint8Array.from([0x00, 0x14, ...h])
}

export const REGTEST_ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'
export function regtestScript(): Uint8Array {
  return addressToScript(REGTEST_ADDRESS, 'regtest')
}

function sha256dFast(data: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest()
}

export interface MineOptions {
  /** Header time; default: parent time + share interval. */
  time?: number
  /** Build on this parent instead of the tip (null: a first share). */
  parent?: string | null
  /** Override the uncles the work base picked. */
  uncles?: Uint8Array[]
  coinbaseValue?: bigint
  /** Bitcoin bits in the header (decides whether the share is also a block). Default: never a block. */
  headerBits?: number
  merkleBranch?: Uint8Array[]
  witnessCommitment?: Uint8Array | null
  extranonce?: Uint8Array
  /** The coinbase class (SPEC.md §7.6); default 0, the full class. */
  coinbaseClass?: number
}

/** The hardest header bits used: no share in tests is a block unless asked. */
export const NEVER_A_BLOCK_BITS = 0x03000001

export class TestChain {
  readonly view = new MemoryView()
  readonly state: ShareChainState
  readonly id: Uint8Array
  private extranonceCounter = 0

  constructor(
    readonly params: CoopParams,
    stateOptions: StateOptions = {}
  ) {
    this.id = consensusId(params)
    this.state = new ShareChainState(this.id, stateOptions)
  }

  static async create(params: CoopParams = testParams(), stateOptions: StateOptions = {}): Promise<TestChain> {
    const c = new TestChain(params, stateOptions)
    const [o] = await c.applyEntries([{ value: encodeEntry({ type: 'genesis', params }), writer: 'founder' }])
    if (o?.kind !== 'genesis') throw new Error('genesis not accepted')
    return c
  }

  async applyEntries(entries: LogEntry[]): Promise<Outcome[]> {
    const batch = this.view.batch()
    const out = await this.state.apply(batch, entries)
    await batch.flush()
    return out
  }

  async submit(share: Share, writer = 'w'): Promise<Outcome> {
    const [o] = await this.applyEntries([{ value: encodeEntry({ type: 'share', share }), writer }])
    return o as Outcome
  }

  async tip(): Promise<{ id: string; height: number } | null> {
    return ((await this.view.get('tip'))?.value as { id: string; height: number } | undefined) ?? null
  }

  /** Builds and grinds a valid share for `script` on the tip (or opts.parent). Does not apply it. */
  async mine(script: Uint8Array, opts: MineOptions = {}): Promise<Share> {
    return mineShare(this.state, this.view, script, { extranonce: new Uint8Array(new BigUint64Array([BigInt(++this.extranonceCounter)]).buffer), ...opts })
  }

  /** Mines and applies; throws if the share is not accepted. */
  async extend(script: Uint8Array, opts: MineOptions = {}): Promise<Share> {
    const share = await this.mine(script, opts)
    const o = await this.submit(share)
    if (o.kind !== 'share') throw new Error(`share rejected: ${JSON.stringify(o)}`)
    return share
  }
}

let globalExtranonce = 0n

/**
 * Builds and grinds a valid share for `script` on the view's tip (or opts.parent), with the real
 * coinbase, merkle root and proof of work. Works on any view: a MemoryView or an Autobase node's.
 */
export async function mineShare(state: ShareChainState, view: ViewReader, script: Uint8Array, opts: MineOptions = {}): Promise<Share> {
  const parentHex = opts.parent !== undefined ? opts.parent : (((await view.get('tip'))?.value as { id: string } | undefined)?.id ?? null)
  const base = await state.workBaseAt(view, parentHex)
  if (base === null) throw new Error('no genesis')
  const params = base.chain.params
  if (opts.uncles !== undefined) base.uncles = opts.uncles
  const block: BlockFields = {
    blockHeight: 1000 + base.height,
    coinbaseValue: opts.coinbaseValue ?? 5_000_000_000n,
    witnessCommitment: opts.witnessCommitment === undefined ? null : opts.witnessCommitment,
    merkleBranch: opts.merkleBranch ?? [],
    tag: new TextEncoder().encode('/test/')
  }
  const job = makeShareJob(base, block, script, 8, opts.coinbaseClass ?? 0)
  const extranonce = opts.extranonce ?? new Uint8Array(new BigUint64Array([++globalExtranonce + (1n << 40n)]).buffer)
  const time = opts.time ?? (base.parent === null ? params.createdAt + params.shareInterval : base.parent.time + params.shareInterval)
  const header: BlockHeader = {
    version: 0x20000000,
    prevHash: new Uint8Array(32).fill(7),
    merkleRoot: jobMerkleRoot(job, extranonce),
    time,
    bits: opts.headerBits ?? NEVER_A_BLOCK_BITS,
    nonce: 0
  }
  const target = bitsToTarget(base.shareBits)
  const bytes = encodeHeader(header)
  const dv = new DataView(bytes.buffer)
  for (let nonce = 0; ; nonce++) {
    dv.setUint32(76, nonce, true)
    if (hashToBigInt(sha256dFast(bytes)) <= target) break
    if (nonce === 0xffffffff) throw new Error('nonce space exhausted')
  }
  return shareFromSolution(job, extranonce, bytes)
}

/** Bitcoin's mainnet difficulty-1 bits: no test hash is a block, so every solution is only a share. */
export const HARD_BLOCK_BITS = 0x1d00ffff

/** A block template with no transactions whose target no test hash meets (work-layer tests). */
export function shareOnlyTemplate(curtime = GENESIS_TIME + 1000): BlockTemplate {
  return {
    height: 1000,
    version: 0x20000000,
    prevHash: new Uint8Array(32).fill(3),
    bits: HARD_BLOCK_BITS,
    target: bitsToTarget(HARD_BLOCK_BITS),
    curtime,
    mintime: GENESIS_TIME,
    coinbaseValue: 312_500_000n,
    transactions: [],
    witnessCommitment: null,
    rules: ['csv', 'segwit'],
    longpollId: null,
    weightLimit: 4_000_000,
    sigopLimit: 80_000
  }
}
