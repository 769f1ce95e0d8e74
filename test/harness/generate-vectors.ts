/**
 * `npm run vectors`: regenerates protocol/vectors/*.json from the reference implementation.
 * Deterministic: the same code writes the same bytes. The vectors test checks them on every run.
 */
import { writeFileSync } from 'node:fs'
import { fromHex, toHex } from '../../src/bitcoin/bytes.js'
import { headerHash } from '../../src/bitcoin/header.js'
import { encodeParams, consensusId, type CoopParams } from '../../protocol/params.js'
import { encodeShare, type Share } from '../../protocol/share.js'
import { splitCoinbase } from '../../src/sharechain/payouts.js'
import { shareCoinbase } from '../../src/sharechain/coinbase.js'
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
  for (let i = 0; i < 5; i++) await add(await c.mine(minerScript(i % 3)))
  const fork = toHex(headerHash((shares[3] as Share).header))
  await add(await c.mine(minerScript(6), { parent: fork, time: VECTOR_PARAMS.createdAt + 51 }))
  await add(await c.mine(minerScript(1), { headerBits: 0x207fffff, witnessCommitment: new Uint8Array(32).fill(0xab), merkleBranch: [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)] }))
  for (let i = 0; i < 6; i++) await add(await c.mine(minerScript(i)))
  const chain = c.state.shareChain
  if (chain === null) throw new Error('no chain')
  return {
    params: paramsToJson(VECTOR_PARAMS),
    shares: shares.map((s) => {
      const parent = s.height === 0 ? undefined : chain.get(toHex(s.parent))
      const split = chain.payoutSplit(parent, s.payoutScript, BigInt(s.coinbaseValue))
      return {
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
    next: toHex(encodeShare(await c.mine(minerScript(7))))
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
    mutate('duplicate of an applied share', applied, 'duplicate')
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
  process.stdout.write(`wrote protocol/vectors (${shares.shares.length} shares)\n`)
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) await main()
