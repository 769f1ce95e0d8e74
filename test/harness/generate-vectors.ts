/**
 * `npm run vectors`: regenerates protocol/vectors/*.json from the reference implementation.
 * Deterministic: the same code writes the same bytes. The vectors test checks them on every run.
 */
import { writeFileSync } from 'node:fs'
import { fromHex, toHex } from '../../src/bitcoin/bytes.js'
import { headerHash } from '../../src/bitcoin/header.js'
import { encodeParams, consensusId, type CoopParams } from '../../protocol/params.js'
import { encodeShare, type Share } from '../../protocol/share.js'
import { finishClassSplit, finishSplit, prepareSplit, splitCoinbase } from '../../src/sharechain/payouts.js'
import { shareCoinbase, shareCoinbaseParts } from '../../src/sharechain/coinbase.js'
import { classBytes, classLimit, shareClassLimit } from '../../src/sharechain/classes.js'
import { assembleCoinbase } from '../../src/bitcoin/coinbase.js'
import { TestChain, minerScript, testParams } from './sharechain.js'

const OUT = new URL('../../protocol/vectors/', import.meta.url)

export function paramsToJson(p: CoopParams): Record<string, unknown> {
  return { ...p, salt: toHex(p.salt) }
}

export function paramsFromJson(j: Record<string, unknown>): CoopParams {
  return { ...(j as unknown as CoopParams), salt: fromHex(j.salt as string) }
}

export const VECTOR_PARAMS = testParams({ windowShares: 8, maxUncles: 2, uncleDepth: 3, minPayout: 1_000_000, maxOutputs: 4 }, 'hashcoop-vectors')

async function shareVectors(): Promise<unknown> {
  const c = await TestChain.create(VECTOR_PARAMS)
  const shares: Share[] = []
  const add = async (s: Share): Promise<void> => {
    const o = await c.submit(s)
    if (o.kind !== 'share') throw new Error(`vector share rejected: ${JSON.stringify(o)}`)
    shares.push(s)
  }
  // Every coinbase class of the parameters in turn (SPEC.md §7.6): class i % 5, 0 being full.
  for (let i = 0; i < 5; i++) await add(await c.mine(minerScript(i % 3), { coinbaseClass: i % 5 }))
  const fork = toHex(headerHash((shares[3] as Share).header))
  await add(await c.mine(minerScript(6), { parent: fork, time: VECTOR_PARAMS.createdAt + 51 }))
  await add(await c.mine(minerScript(1), { headerBits: 0x207fffff, witnessCommitment: new Uint8Array(32).fill(0xab), merkleBranch: [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)] }))
  for (let i = 0; i < 6; i++) await add(await c.mine(minerScript(i), { coinbaseClass: (i + 1) % 5 }))
  const chain = c.state.shareChain
  if (chain === null) throw new Error('no chain')
  return {
    params: paramsToJson(VECTOR_PARAMS),
    shares: shares.map((s) => {
      const parent = s.height === 0 ? undefined : chain.get(toHex(s.parent))
      const split = chain.payoutSplit(parent, s.payoutScript, BigInt(s.coinbaseValue), shareClassLimit(chain.params, s))
      return {
        coinbaseClass: s.coinbaseClass,
        encoded: toHex(encodeShare(s)),
        id: toHex(headerHash(s.header)),
        expectedBits: chain.expectedBits(parent),
        uncles: s.uncles.map(toHex),
        payouts: split.outputs.map((o) => ({ script: toHex(o.script), value: String(o.value) })),
        coinbase: toHex(shareCoinbase(chain.consensusId, s, split.outputs))
      }
    }),
    tip: (await c.tip())?.id,
    // a valid share on the tip that is not applied: invalid.json mutates it
    next: toHex(encodeShare(await c.mine(minerScript(7), { coinbaseClass: 1 })))
  }
}

function payoutVectors(): unknown {
  const cases: { name: string; weights: [number, bigint][]; value: bigint; finder: number; seed: number; minPayout: number; maxOutputs: number; finderBonusBps: number }[] = [
    { name: 'first share: everything to the finder', weights: [], value: 5_000_000_000n, finder: 1, seed: 0, minPayout: 10_000, maxOutputs: 100, finderBonusBps: 50 },
    { name: 'proportional with rounding remainder to the finder', weights: [[1, 1n], [2, 1n], [3, 1n]], value: 1_000_000_001n, finder: 2, seed: 1, minPayout: 1, maxOutputs: 100, finderBonusBps: 50 },
    { name: 'amounts below the minimum go to the lottery', weights: [[1, 1_000_000n], [2, 3n], [3, 5n], [4, 7n]], value: 312_500_000n, finder: 1, seed: 2, minPayout: 10_000, maxOutputs: 100, finderBonusBps: 50 },
    { name: 'output cap: the smallest beyond the cap go to the lottery', weights: [[1, 50n], [2, 40n], [3, 30n], [4, 20n], [5, 10n], [6, 5n]], value: 625_000_000n, finder: 6, seed: 3, minPayout: 1, maxOutputs: 4, finderBonusBps: 0 },
    { name: 'cap of one output: one lottery over everyone', weights: [[1, 1n], [2, 2n], [3, 3n]], value: 100_000n, finder: 3, seed: 4, minPayout: 1, maxOutputs: 1, finderBonusBps: 100 }
  ]
  return cases.map((k) => {
    const p = { ...VECTOR_PARAMS, minPayout: k.minPayout, maxOutputs: k.maxOutputs, finderBonusBps: k.finderBonusBps }
    const weights = new Map(k.weights.map(([i, w]) => [toHex(minerScript(i)), w]))
    const seed = new Uint8Array(32).fill(k.seed)
    const split = splitCoinbase(p, weights, k.value, minerScript(k.finder), seed)
    return {
      name: k.name,
      minPayout: k.minPayout,
      maxOutputs: k.maxOutputs,
      finderBonusBps: k.finderBonusBps,
      weights: Object.fromEntries([...weights].map(([s, w]) => [s, String(w)])),
      value: String(k.value),
      finder: toHex(minerScript(k.finder)),
      seed: toHex(seed),
      outputs: split.outputs.map((o) => ({ script: toHex(o.script), value: String(o.value) })),
      lottery: split.lottery === null ? null : { pot: String(split.lottery.pot), winner: split.lottery.winner }
    }
  })
}

/**
 * One window of 60 members with falling weights, split for every class of the vector parameters,
 * for a finder in the window and one outside it, on a segwit template: the outputs, the lottery and
 * the whole non-witness coinbase (which must fit the class's budget).
 */
function classVectors(): unknown {
  const p = VECTOR_PARAMS
  const weights = new Map(Array.from({ length: 60 }, (_, i) => [toHex(minerScript(100 + i)), BigInt(1000 - 15 * i)] as const))
  const value = 312_500_000n + 1_234_567n
  const seed = new Uint8Array(32).fill(9)
  const shape = { blockHeight: 900_000, extranonceSize: 8, tag: new TextEncoder().encode('/hashcoop/'), witnessCommitment: new Uint8Array(32).fill(0xab) }
  const base = prepareSplit(p, weights, value)
  const cases: unknown[] = []
  for (const finder of [minerScript(100 + 30), minerScript(7)]) {
    for (let coinbaseClass = 0; coinbaseClass <= p.coinbaseClasses.length; coinbaseClass++) {
      const limit = classLimit(p, coinbaseClass, { ...shape, hasWitnessCommitment: true })
      const split = limit === null ? finishSplit(p, base, finder, seed) : finishClassSplit(p, base, finder, seed, limit)
      const info = { height: 10, parent: seed, uncles: [], shareBits: 0x1e00ffff, payoutScript: finder }
      const coinbase = assembleCoinbase(shareCoinbaseParts({ consensusId: consensusId(p), info, ...shape, payouts: split.outputs }), new Uint8Array(shape.extranonceSize))
      cases.push({
        coinbaseClass,
        budget: classBytes(p, coinbaseClass),
        finder: toHex(finder),
        outputs: split.outputs.map((o) => ({ script: toHex(o.script), value: String(o.value) })),
        lottery: split.lottery === null ? null : { pot: String(split.lottery.pot), winner: split.lottery.winner },
        coinbase: toHex(coinbase)
      })
    }
  }
  return {
    weights: Object.fromEntries([...weights].map(([s, w]) => [s, String(w)])),
    value: String(value),
    seed: toHex(seed),
    shape: { ...shape, tag: toHex(shape.tag), witnessCommitment: toHex(shape.witnessCommitment) },
    share: { height: 10, parent: toHex(seed), uncles: [], shareBits: 0x1e00ffff },
    cases
  }
}

async function invalidVectors(sharesJson: { shares: { encoded: string }[]; next: string }): Promise<unknown> {
  const { decodeShare } = await import('../../protocol/share.js')
  const applied = decodeShare(fromHex((sharesJson.shares.at(-1) as { encoded: string }).encoded))
  const last = decodeShare(fromHex(sharesJson.next))
  const mutate = (name: string, s: Share, reason: string): unknown => ({ name, encoded: toHex(encodeShare(s)), reason })
  return [
    mutate('coinbase value one satoshi more (payouts no longer match)', { ...last, coinbaseValue: last.coinbaseValue + 1 }, 'bad-merkle-root'),
    mutate('payout script of another miner', { ...last, payoutScript: minerScript(42) }, 'bad-merkle-root'),
    mutate('declared share target easier than the retarget', { ...last, shareBits: 0x2000ffff }, 'bad-share-target'),
    mutate('unknown parent', { ...last, parent: new Uint8Array(32).fill(0xee) }, 'unknown-parent'),
    mutate('duplicate of an applied share', applied, 'duplicate'),
    mutate('coinbase class beyond the parameters', { ...last, coinbaseClass: VECTOR_PARAMS.coinbaseClasses.length + 1 }, 'bad-coinbase-class'),
    mutate('coinbase class relabelled (the coinbase is of another class)', { ...last, coinbaseClass: last.coinbaseClass === 0 ? 1 : 0 }, 'bad-merkle-root')
  ]
}

async function main(): Promise<void> {
  const genesis = { params: paramsToJson(VECTOR_PARAMS), encoded: toHex(encodeParams(VECTOR_PARAMS)), consensusId: toHex(consensusId(VECTOR_PARAMS)) }
  const shares = (await shareVectors()) as { shares: { encoded: string }[]; next: string }
  const write = (name: string, v: unknown): void => writeFileSync(new URL(name, OUT), JSON.stringify(v, null, 2) + '\n')
  write('genesis.json', genesis)
  write('shares.json', shares)
  write('payouts.json', payoutVectors())
  write('invalid.json', await invalidVectors(shares))
  write('classes.json', classVectors())
  process.stdout.write(`wrote protocol/vectors (${shares.shares.length} shares)\n`)
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) await main()
