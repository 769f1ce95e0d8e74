import { coinbaseWithWitness } from '../../src/bitcoin/coinbase.js'
import { splitCoinbase } from '../../src/sharechain/payouts.js'
import { shareCoinbase } from '../../src/sharechain/coinbase.js'
import { ShareChain } from '../../src/sharechain/chain.js'
import { checkStage1, validateShare } from '../../src/sharechain/validate.js'
import { KEY, type ShareValue } from '../../src/sharechain/view.js'
import { fromHex } from '../../src/bitcoin/bytes.js'
import { decodeShare } from '../../protocol/share.js'
import { shareEnvelope } from '../core/envelope.js'
import { finalFates, tallyRun } from '../core/accounting.js'
import { runSimulation, type SimRun } from '../core/engine.js'
import { FullNode } from '../core/nodes.js'
import { NETWORK_HASHRATE, simParams, TH } from '../core/scaling.js'
import { payoutScript } from '../core/scripts.js'
import { mean, median, quantileSorted, round, sum } from '../core/stats.js'
import { bytes, fixed, hashrate, int, pct, table } from '../report/markdown.js'
import { lineChart } from '../report/svg.js'
import type { Scenario, ScenarioOptions } from '../scenario.js'
import { geometricSpread, paramsLine, ratio, summarizeParams, type ParamsSummary } from './common.js'

/**
 * Scale: a cooperative of 1,000 nodes (1 TH/s to 1 PH/s each, one miner per node) on a gossip
 * overlay. What one node must store and check: share-chain growth per day from the real
 * encodings, validation cost per share (measured by replaying the chain into a fresh node) and
 * the real coinbase at the output cap. 1,000 full views would need 1,000 copies of the chain in
 * memory, so the nodes share one validator (nodes.ts, SharedValidator): exact, since validity
 * depends only on a share and its ancestry, while arrival, waiting, tips and jobs stay per node.
 */
export interface ScaleResult {
  seed: number
  params: ParamsSummary
  nodes: number
  coopHashrate: number
  shares: number
  simulatedHours: number
  merkleDepth: number
  /** Seconds until a share has reached every node. */
  propagation: { p50: number; p95: number; max: number }
  rates: { stale: number; uncle: number; orphan: number; unclesPerShare: number }
  sharesPerDay: number
  bytes: { entryMean: number; entryMin: number; entryMax: number; viewPerShare: number; logPerDay: number; viewPerDay: number; logPerYear: number }
  window: { shares: number; distinctScripts: number; outputs: number; potMembers: number; potShare: number }
  coinbase: { outputs: number; bytes: number; witnessBytes: number; weight: number; byCap: { cap: number; outputs: number; bytes: number; weight: number; potShare: number }[] }
  wallClock: { replayMicrosPerShare: number; validateMicrosPerShare: number; stage1MicrosPerShare: number; cpuShareOfOneCore: number }
}

const CAPS = [10, 25, 50, 100, 200, 500, 1000, 4000]
const FIRMWARE = [
  { label: 'stock S19 ~755 B', value: 755 },
  { label: 'S21 ~2.25 kB', value: 2250 },
  { label: 'Whatsminer ~6.5 kB', value: 6500 },
  { label: 'Bitaxe ~16 kB', value: 16000 }
]

export const scale: Scenario<ScaleResult> = {
  name: 'scale',
  title: 'Scale',
  summary: '1,000 nodes: share-chain growth per day, validation cost per share, coinbase size at the output cap',
  defaultSeed: 1,

  async run(opts: ScenarioOptions): Promise<ScaleResult> {
    const params = simParams(opts.seed, opts.quick ? { windowShares: 60 } : {})
    const nodes = opts.quick ? 100 : 1_000
    const shareCount = opts.quick ? 150 : 3_000
    const merkleDepth = 12
    const hashrates = geometricSpread(nodes, 1 * TH, 1_000 * TH)
    const duration = shareCount * params.shareInterval
    opts.log?.(`scale: ${nodes} nodes, ${duration} simulated s`)
    const run = await runSimulation({
      seed: opts.seed,
      params,
      nodeCount: nodes,
      miners: hashrates.map((h, i) => ({ node: i, hashrate: h, script: payoutScript(i) })),
      latency: { kind: 'gossip', degree: 8, hopMinSeconds: 0.02, hopMaxSeconds: 0.15 },
      duration,
      networkHashrate: NETWORK_HASHRATE,
      nodeMode: 'shared',
      merkleDepth
    })
    const t = tallyRun(run)
    const published = run.produced.filter((s) => s.published)
    const delays = published.map((s) => s.reachedAllAfter).sort((a, b) => a - b)
    const entry = published.map((s) => s.encodedBytes)
    const sharesPerDay = (published.length / duration) * 86_400
    const entryMean = mean(entry)
    const viewPerShare = viewBytesPerShare(run)
    opts.log?.('scale: replaying the chain into a fresh node')
    const timing = await measureValidation(run)
    const tip = run.auditor.chain.get(run.auditor.tipHex ?? '')
    if (tip === undefined) throw new Error('no tip')
    const weights = run.auditor.chain.windowWeights(tip)
    const split = run.auditor.chain.payoutSplit(tip, tip.share.payoutScript, BigInt(tip.share.coinbaseValue))
    const coinbaseOf = (outputs: typeof split.outputs) => {
      const base = shareCoinbase(run.auditor.chain.consensusId, tip.share, outputs)
      const full = coinbaseWithWitness(base)
      return { bytes: base.length, witnessBytes: full.length, weight: 3 * base.length + full.length }
    }
    const atDefault = coinbaseOf(split.outputs)
    const shareRate = sharesPerDay / 86_400
    return {
      seed: opts.seed,
      params: summarizeParams(params),
      nodes,
      coopHashrate: sum(hashrates),
      shares: published.length,
      simulatedHours: round(duration / 3600, 3),
      merkleDepth,
      propagation: { p50: round(quantileSorted(delays, 0.5), 4), p95: round(quantileSorted(delays, 0.95), 4), max: round(delays.at(-1) ?? 0, 4) },
      rates: { stale: ratio(t.uncle + t.orphan, t.published), uncle: ratio(t.uncle, t.published), orphan: ratio(t.orphan, t.published), unclesPerShare: round(mean(published.map((s) => s.uncles)), 5) },
      sharesPerDay: round(sharesPerDay, 1),
      bytes: {
        entryMean: round(entryMean, 1),
        entryMin: Math.min(...entry),
        entryMax: Math.max(...entry),
        viewPerShare: round(viewPerShare, 1),
        logPerDay: Math.round(entryMean * sharesPerDay),
        viewPerDay: Math.round(viewPerShare * sharesPerDay),
        logPerYear: Math.round(entryMean * sharesPerDay * 365)
      },
      window: {
        shares: Math.min(tip.height + 1, params.windowShares),
        distinctScripts: weights.size,
        outputs: split.outputs.length,
        potMembers: split.lottery?.members ?? 0,
        potShare: ratio(Number(split.lottery?.pot ?? 0n), Number(tip.share.coinbaseValue))
      },
      coinbase: {
        outputs: split.outputs.length,
        ...atDefault,
        byCap: CAPS.map((cap) => {
          const s = splitCoinbase({ ...params, maxOutputs: cap }, weights, BigInt(tip.share.coinbaseValue), tip.share.payoutScript, tip.id)
          const { bytes: size, weight } = coinbaseOf(s.outputs)
          return { cap, outputs: s.outputs.length, bytes: size, weight, potShare: ratio(Number(s.lottery?.pot ?? 0n), Number(tip.share.coinbaseValue)) }
        })
      },
      wallClock: { ...timing, cpuShareOfOneCore: round((timing.replayMicrosPerShare * shareRate) / 1e6, 6) }
    }
  },

  render(r: ScaleResult) {
    const setup = `seed ${r.seed}; ${int(r.nodes)} light nodes over one shared validator (see the method), ${hashrate(1 * TH)} to ${hashrate(1000 * TH)} each, ${hashrate(r.coopHashrate)} in all; gossip overlay (ring + 8 random links per node, 20-150 ms per hop); ${r.simulatedHours} simulated hours; merkle branch ${r.merkleDepth} levels; ${paramsLine(r.params)}`
    const chart = lineChart({
      title: 'Coinbase size vs the output cap',
      subtitle: `seed ${r.seed}; the window at the final tip of the ${int(r.nodes)}-node run (${int(r.window.distinctScripts)} payout scripts), real coinbase bytes`,
      xLabel: 'maxOutputs',
      yLabel: 'coinbase bytes (non-witness)',
      xLog: true,
      yLog: true,
      series: [{ name: 'coinbase bytes', style: 'line+points', points: r.coinbase.byCap.map((c) => [c.cap, c.bytes] as const) }],
      refLines: FIRMWARE.map((f) => ({ value: f.value, label: f.label }))
    })
    const md = [
      `Setup: ${setup}.`,
      '',
      table(
        ['measure', 'value'],
        [
          ['shares made (incl. stale)', int(r.shares)],
          ['share reaches every node after (median / 95th pct / max)', `${fixed(r.propagation.p50, 2)} / ${fixed(r.propagation.p95, 2)} / ${fixed(r.propagation.max, 2)} s`],
          ['stale / uncle / orphan rate', `${pct(r.rates.stale)} / ${pct(r.rates.uncle)} / ${pct(r.rates.orphan)}`],
          ['shares per day', int(r.sharesPerDay)],
          ['log entry per share (mean, min-max; real encoding)', `${fixed(r.bytes.entryMean, 0)} B (${r.bytes.entryMin}-${r.bytes.entryMax} B)`],
          ['share-chain log growth', `${bytes(r.bytes.logPerDay)} / day, ${bytes(r.bytes.logPerYear)} / year`],
          ['view records per share (JSON keys + values of share!, height!, block!)', bytes(r.bytes.viewPerShare)],
          ['view growth', `${bytes(r.bytes.viewPerDay)} / day`],
          ['payout scripts in the window at the tip', `${int(r.window.distinctScripts)} (window of ${int(r.window.shares)} shares)`],
          ['coinbase outputs at the default cap', `${r.coinbase.outputs} (pot: ${int(r.window.potMembers)} members, ${pct(r.window.potShare, 1)} of the block value)`],
          ['coinbase at the default cap (real bytes)', `${int(r.coinbase.bytes)} B non-witness, ${int(r.coinbase.witnessBytes)} B with witness, ${int(r.coinbase.weight)} WU`],
          ['validation per share (median), replay into a fresh node (ShareChainState + MemoryView)', `${fixed(r.wallClock.replayMicrosPerShare, 0)} µs`],
          ['validation per share (median), validateShare alone (stage 1 + 2)', `${fixed(r.wallClock.validateMicrosPerShare, 0)} µs`],
          ['stage 1 alone (median)', `${fixed(r.wallClock.stage1MicrosPerShare, 1)} µs`],
          ['one core spent validating at this share rate', pct(r.wallClock.cpuShareOfOneCore, 3)]
        ]
      ),
      '',
      'Validation times are wall-clock on this machine while the report ran (other work shared its 2 cores); everything else is deterministic for the seed. Autobase/Hypercore overhead per entry (signatures, merkle tree nodes) comes on top of the log bytes and is not simulated.',
      '',
      table(
        ['maxOutputs', 'outputs', 'coinbase bytes', 'weight (WU)', 'paid through the lottery pot'],
        r.coinbase.byCap.map((c) => [c.cap, c.outputs, int(c.bytes), int(c.weight), pct(c.potShare, 1)])
      ),
      '',
      '![coinbase size](sims/scale-coinbase.svg)'
    ].join('\n')
    return { markdown: md, charts: [{ file: 'scale-coinbase.svg', svg: chart }] }
  }
}

/** Bytes the view stores per share (keys and JSON values of share!, height! and block! records). */
function viewBytesPerShare(run: SimRun): number {
  const view = run.auditor.view
  let total = 0
  for (const line of view.dump().split('\n')) {
    if (line.startsWith('share!') || line.startsWith('height!') || line.startsWith('block!')) total += Buffer.byteLength(line) - 1
  }
  return total / Math.max(1, run.auditor.chain.size)
}

/**
 * Replays every published share, in creation order (parents first), into a fresh node,
 * then through validateShare and checkStage1 alone; medians over the shares whose window is full.
 */
async function measureValidation(run: SimRun): Promise<{ replayMicrosPerShare: number; validateMicrosPerShare: number; stage1MicrosPerShare: number }> {
  const params = run.config.params
  const fates = finalFates(run)
  const produced = run.produced.filter((s) => s.published && fates.has(s.id))
  const shares = produced.map((s) => {
    const stored = run.auditor.view.getSync(KEY.share(s.id))?.value as ShareValue | undefined
    if (stored === undefined) throw new Error(`share ${s.id} missing from the view`)
    return decodeShare(fromHex(stored.bytes))
  })
  const full = (i: number): boolean => (produced[i]?.height ?? 0) >= params.windowShares
  const node = new FullNode(0, run.auditor.chain.consensusId)
  await node.init(params)
  const replayNs: number[] = []
  for (const [i, share] of shares.entries()) {
    const env = shareEnvelope(i, share, 0, 0, 'honest')
    const t0 = process.hrtime.bigint()
    await node.deliver(env)
    if (full(i)) replayNs.push(Number(process.hrtime.bigint() - t0))
  }
  const chain = new ShareChain(params)
  const known = new Set<string>()
  const validateNs: number[] = []
  const stage1Ns: number[] = []
  for (const [i, share] of shares.entries()) {
    let t0 = process.hrtime.bigint()
    checkStage1(chain, share)
    const stage1 = Number(process.hrtime.bigint() - t0)
    t0 = process.hrtime.bigint()
    const { record } = validateShare(chain, share, (h) => known.has(h))
    const both = Number(process.hrtime.bigint() - t0)
    chain.add(record)
    known.add(record.idHex)
    if (full(i)) {
      stage1Ns.push(stage1)
      validateNs.push(both)
    }
  }
  return { replayMicrosPerShare: round(median(replayNs) / 1000, 1), validateMicrosPerShare: round(median(validateNs) / 1000, 1), stage1MicrosPerShare: round(median(stage1Ns) / 1000, 2) }
}
