/**
 * Share-chain figures (issue 3): stage-1 and full validation rates with a 2160-share window and
 * 200 payout outputs, and apply throughput into a real Hyperbee view over 10,000 shares. The shares
 * cycle through every coinbase class (issue 14), and the time to build one finder's coinbase at
 * the tip is given for the 750 B class and the full class.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toHex } from '../../src/bitcoin/bytes.js'
import { headerHash } from '../../src/bitcoin/header.js'
import { decodeShare, encodeEntry, encodeShare, type Share } from '../../protocol/share.js'
import { ShareChain } from '../../src/sharechain/chain.js'
import { checkStage1, validateShare } from '../../src/sharechain/validate.js'
import { MEMO_SHARES, ShareChainState } from '../../src/sharechain/state.js'
import { TestChain, minerScript, testParams } from '../harness/sharechain.js'
import { makeShareJob, type BlockFields } from '../../src/sharechain/build.js'
import { classForBytes, FULL_CLASS } from '../../src/sharechain/classes.js'
import type { ShareRecord } from '../../src/sharechain/chain.js'
import type { WorkBase } from '../../src/sharechain/state.js'
import { emit, medianMs } from './lib.js'

const WINDOW = 2160
const MINERS = 200
const params = testParams({ windowShares: WINDOW, maxOutputs: 200, minPayout: 1, maxUncles: 0 })

/** Mines the chain, then drops the miner's view and memo so the figures see a clean heap. */
async function buildChain(count: number): Promise<Share[]> {
  const c = await TestChain.create(params)
  const shares: Share[] = []
  const classes = params.coinbaseClasses.length + 1
  for (let i = 0; i < count; i++) shares.push(await c.extend(minerScript(i % MINERS), { coinbaseClass: i % classes }))
  return shares.map((s) => decodeShare(encodeShare(s)))
}

function collectGarbage(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

function rate(n: number, t0: bigint): number {
  return n / (Number(process.hrtime.bigint() - t0) / 1e9)
}

async function main(): Promise<void> {
  const total = 10_000
  const t0 = process.hrtime.bigint()
  const shares = await buildChain(total)
  process.stderr.write(`built ${total} shares in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s\n`)
  collectGarbage()

  const stage1Chain = new ShareChain(params)
  let t = process.hrtime.bigint()
  for (let r = 0; r < 3; r++) for (const s of shares) checkStage1(stage1Chain, s)
  emit({ name: 'share_stage1_validations_per_s', value: rate(shares.length * 3, t), unit: 'shares/s' })

  const chain = new ShareChain(params)
  const known = new Set<string>()
  const isKnown = (h: string): boolean => known.has(h)
  for (const s of shares.slice(0, WINDOW)) {
    const { record } = validateShare(chain, s, isKnown)
    chain.add(record)
    known.add(record.idHex)
  }
  const measured = shares.slice(WINDOW, WINDOW + 3000)
  collectGarbage()
  t = process.hrtime.bigint()
  let outputs = 0
  for (const s of measured) {
    const { record, split } = validateShare(chain, s, isKnown)
    chain.add(record)
    known.add(record.idHex)
    outputs = split.outputs.length
  }
  emit({ name: 'share_full_validations_per_s', value: rate(measured.length, t), unit: 'shares/s', window: WINDOW, payoutOutputs: outputs, classes: 'all, in turn', goal: 5000 })
  coinbaseBuildBench(chain, chain.get(toHex(headerHash((measured.at(-1) as Share).header))) as ShareRecord)

  collectGarbage()
  await applyBench(shares)
}

/**
 * One finder's coinbase at the tip (makeShareJob: the split from the memoized base, then the
 * coinbase), for finders across the window, in microseconds: the 750 B class and the full class.
 */
function coinbaseBuildBench(chain: ShareChain, tip: ShareRecord): void {
  const base: WorkBase = {
    chain,
    parent: tip,
    parentId: tip.id,
    height: tip.height + 1,
    shareBits: chain.expectedBits(tip),
    minTime: 0,
    uncles: [],
    payouts: (script, value, limit) => chain.payoutSplit(tip, script, value, limit ?? null)
  }
  const block: BlockFields = { blockHeight: 900_000, coinbaseValue: 312_500_000n, witnessCommitment: new Uint8Array(32).fill(0xab), merkleBranch: [], tag: new TextEncoder().encode('/hashcoop/') }
  const finders = Array.from({ length: MINERS }, (_, i) => minerScript(i))
  for (const [name, coinbaseClass] of [['coinbase_build_750b_us', classForBytes(params, 750)], ['coinbase_build_full_us', FULL_CLASS]] as const) {
    let outputs = 0
    const build = (): void => {
      for (const f of finders) outputs = makeShareJob(base, block, f, 12, coinbaseClass).parts.coinb2.length
    }
    build() // warm up (and the memoized split base)
    emit({ name, value: (medianMs(build) * 1000) / finders.length, unit: 'us', window: WINDOW, payees: MINERS, coinb2Bytes: outputs })
  }
}

/** Apply into a real Hyperbee on a Corestore, batches of 50 entries per apply call as Autobase does. */
async function applyBench(shares: Share[]): Promise<void> {
  const { default: Corestore } = await import('corestore')
  const { default: Hyperbee } = await import('hyperbee')
  const dir = mkdtempSync(join(tmpdir(), 'hashcoop-bench-'))
  const store = new Corestore(dir)
  try {
    const bee = new Hyperbee<string, unknown>(store.get({ name: 'view' }), { keyEncoding: 'utf-8', valueEncoding: 'json' })
    await bee.ready()
    const state = new ShareChainState(new ShareChain(params).consensusId, { memoShares: MEMO_SHARES }) // as a node runs
    const entries = [{ value: encodeEntry({ type: 'genesis', params }), writer: 'bench' }, ...shares.map((s) => ({ value: encodeEntry({ type: 'share', share: s }), writer: 'bench' }))]
    const t = process.hrtime.bigint()
    for (let i = 0; i < entries.length; i += 50) {
      const batch = bee.batch({ update: false })
      const outcomes = await state.apply(batch, entries.slice(i, i + 50))
      await batch.flush()
      if (outcomes.some((o) => o.kind === 'invalid')) throw new Error('bench share rejected')
    }
    emit({ name: 'sharechain_apply_shares_per_s', value: rate(entries.length - 1, t), unit: 'shares/s', shares: entries.length - 1, view: 'hyperbee', goal: 2000 })
    await bee.close()
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
