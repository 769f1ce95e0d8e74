import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../../src/bitcoin/bytes.js'
import { headerHash } from '../../../src/bitcoin/header.js'
import { consensusId, decodeParams, encodeParams } from '../../../protocol/params.js'
import { decodeShare, encodeShare } from '../../../protocol/share.js'
import { finishClassSplit, finishSplit, prepareSplit, splitCoinbase } from '../../../src/sharechain/payouts.js'
import { shareCoinbase, shareCoinbaseParts } from '../../../src/sharechain/coinbase.js'
import { classBytes, classLimit, shareClassLimit } from '../../../src/sharechain/classes.js'
import { assembleCoinbase } from '../../../src/bitcoin/coinbase.js'
import { TestChain } from '../../harness/sharechain.js'
import { paramsFromJson } from '../../harness/generate-vectors.js'

const read = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../../protocol/vectors/${name}`, import.meta.url), 'utf8')) as T

interface SharesFile {
  params: Record<string, unknown>
  shares: { encoded: string; id: string; expectedBits: number; uncles: string[]; payouts: { script: string; value: string }[]; coinbase: string }[]
  tip: string
  next: string
}

interface ClassesFile {
  weights: Record<string, string>
  value: string
  seed: string
  shape: { blockHeight: number; extranonceSize: number; tag: string; witnessCommitment: string }
  share: { height: number; parent: string; shareBits: number }
  cases: { coinbaseClass: number; budget: number | null; finder: string; outputs: { script: string; value: string }[]; coinbase: string }[]
}

describe('protocol/vectors', () => {
  it('genesis.json: encoding and consensus id', () => {
    const g = read<{ params: Record<string, unknown>; encoded: string; consensusId: string }>('genesis.json')
    const params = paramsFromJson(g.params)
    expect(toHex(encodeParams(params))).toBe(g.encoded)
    expect(decodeParams(fromHex(g.encoded))).toEqual(params)
    expect(toHex(consensusId(params))).toBe(g.consensusId)
  })

  it('shares.json: every share decodes, re-encodes, validates, and pays the expected split', async () => {
    const f = read<SharesFile>('shares.json')
    const c = await TestChain.create(paramsFromJson(f.params))
    expect(f.shares.some((s) => s.uncles.length > 0)).toBe(true)
    expect(new Set(f.shares.map((s) => decodeShare(fromHex(s.encoded)).coinbaseClass)).size).toBe(5) // every class
    for (const v of f.shares) {
      const share = decodeShare(fromHex(v.encoded))
      expect(toHex(encodeShare(share))).toBe(v.encoded)
      expect(toHex(headerHash(share.header))).toBe(v.id)
      const chain = c.state.shareChain
      const parent = share.height === 0 ? undefined : chain?.get(toHex(share.parent))
      expect(chain?.expectedBits(parent)).toBe(v.expectedBits)
      const split = chain?.payoutSplit(parent, share.payoutScript, BigInt(share.coinbaseValue), shareClassLimit(c.params, share))
      expect(split?.outputs.map((o) => ({ script: toHex(o.script), value: String(o.value) }))).toEqual(v.payouts)
      expect(toHex(shareCoinbase(c.id, share, split?.outputs ?? []))).toBe(v.coinbase)
      expect(await c.submit(share)).toMatchObject({ kind: 'share', id: v.id })
    }
    expect((await c.tip())?.id).toBe(f.tip)
  })

  it('invalid.json: each mutated share is rejected with its reason', async () => {
    const f = read<SharesFile>('shares.json')
    const c = await TestChain.create(paramsFromJson(f.params))
    for (const v of f.shares) await c.submit(decodeShare(fromHex(v.encoded)))
    for (const bad of read<{ name: string; encoded: string; reason: string }[]>('invalid.json')) {
      expect(await c.submit(decodeShare(fromHex(bad.encoded))), bad.name).toMatchObject({ kind: 'invalid', reason: bad.reason })
    }
    // the share every mutation started from is itself valid
    expect((await c.submit(decodeShare(fromHex(f.next)))).kind).toBe('share')
  })

  it('classes.json: every class of one window reproduces, within its budget', () => {
    const f = read<SharesFile>('shares.json')
    const p = paramsFromJson(f.params)
    const v = read<ClassesFile>('classes.json')
    const weights = new Map(Object.entries(v.weights).map(([s, w]) => [s, BigInt(w)]))
    const base = prepareSplit(p, weights, BigInt(v.value))
    const shape = { ...v.shape, tag: fromHex(v.shape.tag), witnessCommitment: fromHex(v.shape.witnessCommitment) }
    expect(new Set(v.cases.map((k) => k.coinbaseClass)).size).toBe(p.coinbaseClasses.length + 1)
    for (const k of v.cases) {
      const finder = fromHex(k.finder)
      const limit = classLimit(p, k.coinbaseClass, { ...shape, hasWitnessCommitment: true })
      const split = limit === null ? finishSplit(p, base, finder, fromHex(v.seed)) : finishClassSplit(p, base, finder, fromHex(v.seed), limit)
      expect(split.outputs.map((o) => ({ script: toHex(o.script), value: String(o.value) }))).toEqual(k.outputs)
      const info = { height: v.share.height, parent: fromHex(v.share.parent), uncles: [], shareBits: v.share.shareBits, payoutScript: finder }
      const coinbase = assembleCoinbase(shareCoinbaseParts({ consensusId: consensusId(p), info, ...shape, payouts: split.outputs }), new Uint8Array(shape.extranonceSize))
      expect(toHex(coinbase)).toBe(k.coinbase)
      expect(classBytes(p, k.coinbaseClass)).toBe(k.budget)
      if (k.budget !== null) expect(coinbase.length).toBeLessThanOrEqual(k.budget)
    }
  })

  it('payouts.json: every split reproduces', () => {
    const f = read<SharesFile>('shares.json')
    const base = paramsFromJson(f.params)
    for (const v of read<{ name: string; minPayout: number; maxOutputs: number; finderBonusBps: number; weights: Record<string, string>; value: string; finder: string; seed: string; outputs: { script: string; value: string }[] }[]>('payouts.json')) {
      const p = { ...base, minPayout: v.minPayout, maxOutputs: v.maxOutputs, finderBonusBps: v.finderBonusBps }
      const weights = new Map(Object.entries(v.weights).map(([s, w]) => [s, BigInt(w)]))
      const split = splitCoinbase(p, weights, BigInt(v.value), fromHex(v.finder), fromHex(v.seed))
      expect(split.outputs.map((o) => ({ script: toHex(o.script), value: String(o.value) })), v.name).toEqual(v.outputs)
      expect(split.outputs.reduce((a, o) => a + o.value, 0n)).toBe(BigInt(v.value))
    }
  })
})
