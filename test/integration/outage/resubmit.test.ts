/**
 * Issue 16 (3, 5) and issue 12 item 5, issue 13 item 4, on a real regtest node (bcoin) and a real
 * hashcoop node: block solutions found while bitcoind is stopped are kept (in the data dir, across
 * a restart of the hashcoop node too), resubmitted when bitcoind is back on the same tip, and each
 * ends with what bitcoind said: one accepted and in the best chain, its siblings at the same
 * height reported as race losses, never as "rejected". A block beaten by a competing block is
 * reported as a lost race. While bitcoind is lost beyond the bound, shares are refused as stale.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addressToScript } from '../../../src/bitcoin/address.js'
import { hashToHex } from '../../../src/bitcoin/hash.js'
import { difficultyToTarget, targetToBits } from '../../../src/bitcoin/target.js'
import { foundBlocksPath } from '../../../src/blocks/store.js'
import type { CoopLogger } from '../../../src/coop/index.js'
import { HashcoopNode, initCooperative, type NodeConfig } from '../../../src/node/node.js'
import type { StratumJob } from '../../../src/stratum/types.js'
import { waitFor } from '../../harness/autobase-chain.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { freePort, startRegtest, type RegtestNode } from '../../harness/regtest.js'
import { solveJob } from '../../harness/solve-job.js'

const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'
const OTHER = 'mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn'

let regtest: RegtestNode
let dht: LocalDht
let dataDir: string
let node: HashcoopNode | null = null
const lines: { level: string; msg: string }[] = []
let latestJob: StratumJob | null = null

const logger: CoopLogger = {
  debug: () => {},
  info: (_f, msg) => lines.push({ level: 'info', msg }),
  warn: (_f, msg) => lines.push({ level: 'warn', msg }),
  error: (_f, msg) => lines.push({ level: 'error', msg })
}

async function startNode(config: Omit<NodeConfig, 'stratum' | 'dht'>): Promise<HashcoopNode> {
  const n = await HashcoopNode.start({ ...config, stratum: { host: '127.0.0.1', port: await freePort() }, dht: dht.choice(), logger })
  n.work.on('job', (job) => (latestJob = job))
  return n
}

function bitcoindConfig(): NodeConfig['bitcoind'] {
  return { url: regtest.rpcUrl, auth: { user: regtest.user, password: regtest.password }, pollIntervalMs: 100, staleWorkMs: 1_000, blockCheckIntervalMs: 300 }
}

/** The newest job built on `prevHash` (display hex), once the node has made one. */
async function jobOn(prevHash: string): Promise<StratumJob> {
  await waitFor(async () => latestJob !== null && hashToHex(latestJob.prevHash) === prevHash, `a job on ${prevHash}`, 30_000)
  return latestJob as StratumJob
}

beforeAll(async () => {
  regtest = await startRegtest()
  await regtest.mineToScript(440, addressToScript(ADDRESS, 'regtest'))
  dht = await startLocalDht()
  dataDir = mkdtempSync(join(tmpdir(), 'hashcoop-outage-'))
  await initCooperative({ dataDir, network: 'regtest', overrides: { shareInterval: 2, initialShareBits: targetToBits(difficultyToTarget(0.0002)) } })
  node = await startNode({ dataDir, bitcoind: bitcoindConfig() })
}, 120_000)

afterAll(async () => {
  await node?.stop()
  await dht?.stop()
  await regtest?.close()
  rmSync(dataDir, { recursive: true, force: true })
}, 60_000)

describe('found blocks across a bitcoind outage', () => {
  it('reports a block beaten by a competing block as a lost race, not a rejection', async () => {
    const n = node as HashcoopNode
    const tip = await regtest.rpc.getBestBlockHash()
    const job = await jobOn(tip)
    const solution = solveJob(job, ADDRESS, 'regtest', n.stratum.extranonceSize, 1)
    await regtest.mineToScript(1, addressToScript(OTHER, 'regtest')) // a competitor's block wins height h
    await n.work.onSolution(solution)
    const hash = hashToHex(solution.hash)
    const record = n.foundBlocks.get(hash)
    expect(record).toMatchObject({ status: 'race-lost', reason: 'inconclusive', submittedHere: true })
    expect(n.work.stats.blocks).toMatchObject({ raceLost: 1, rejected: 0 })
    expect(lines.some((l) => l.level === 'info' && l.msg.includes(hash) && l.msg.includes("lost a race: bitcoind answered 'inconclusive'"))).toBe(true)
    expect(lines.some((l) => l.msg.includes('rejected'))).toBe(false)
    // Checked on the chain afterwards, it stays a lost race (off the best chain).
    await waitFor(async () => n.foundBlocks.get(hash)?.confirmations === -1, 'the chain check', 30_000)
    expect(n.foundBlocks.get(hash)?.status).toBe('race-lost')
  }, 60_000)

  it('keeps solutions found while bitcoind is down, across a node restart, and resubmits them when it is back', async () => {
    let n = node as HashcoopNode
    const tip = await regtest.rpc.getBestBlockHash()
    const job = await jobOn(tip)
    await regtest.stop()
    const lostBy = performance.now()

    // A solution found right away: its failed submitblock marks bitcoind lost (if the poll did not already).
    const first = solveJob(job, ADDRESS, 'regtest', n.stratum.extranonceSize, 100)
    await n.work.onSolution(first)
    expect(n.templates.stats.connected).toBe(false)
    console.log(`submitblock failure to lost: ${Math.round(performance.now() - lostBy)} ms after the stop`)
    const more = [101, 102].map((v) => solveJob(job, ADDRESS, 'regtest', n.stratum.extranonceSize, v))
    for (const s of more) await n.work.onSolution(s)
    const hashes = [first, ...more].map((s) => hashToHex(s.hash))
    for (const h of hashes) expect(n.foundBlocks.get(h)).toMatchObject({ status: 'unsubmitted', submittedHere: true })
    expect(lines.filter((l) => l.level === 'warn' && l.msg.includes('could not be submitted, bitcoind unreachable'))).toHaveLength(3)

    // Beyond the stale-work bound, a share is refused; a block solution is still kept.
    await waitFor(async () => (await n.work.onSolution({ ...solveJob(job, ADDRESS, 'regtest', n.stratum.extranonceSize, 200), kind: 'pseudo' })).reason?.startsWith('stale-work') === true, 'shares refused as stale', 30_000)

    // The hashcoop node restarts while bitcoind is still down: the blocks are in its data dir.
    await n.stop()
    const saved = JSON.parse(readFileSync(foundBlocksPath(dataDir), 'utf8')) as { blocks: { hash: string; status: string; blockHex: string | null }[] }
    for (const h of hashes) expect(saved.blocks.find((b) => b.hash === h)).toMatchObject({ status: 'unsubmitted', blockHex: expect.any(String) })
    n = node = await startNode({ dataDir, bitcoind: bitcoindConfig() })
    expect(n.foundBlocks.get(hashes[0] as string)).toMatchObject({ status: 'unsubmitted', submittedHere: true })

    // bitcoind comes back on the same chain: one of the three becomes the tip, the two others
    // lost the race to it. None is lost unsaid, none called rejected.
    await regtest.resume()
    await waitFor(async () => hashes.every((h) => ['in-best-chain', 'race-lost'].includes(n.foundBlocks.get(h)?.status ?? '')), 'every kept block to be resubmitted and settled', 60_000)
    const settled = hashes.map((h) => n.foundBlocks.get(h))
    const winners = settled.filter((r) => r?.status === 'in-best-chain')
    expect(winners).toHaveLength(1)
    expect(await regtest.rpc.getBestBlockHash()).toBe(winners[0]?.hash)
    for (const r of settled) expect(r?.attempts.at(-1)?.outcome).toMatch(/^(accepted|race-lost)$/)
    console.log(`resubmission: ${settled.map((r) => `${r?.hash.slice(0, 12)} ${r?.status} (${r?.attempts.map((a) => a.outcome).join(' > ')})`).join('; ')}`)
    expect(lines.some((l) => l.msg.includes('resubmitted and accepted by bitcoind'))).toBe(true)
    expect(lines.filter((l) => l.msg.includes('resubmitted, lost a race'))).toHaveLength(2)
    expect(lines.some((l) => l.level === 'error')).toBe(false)

    // After a restart the API's view of the node's own blocks is what bitcoind said, and "submitted here".
    await n.stop()
    n = node = await startNode({ dataDir, bitcoind: bitcoindConfig() })
    for (const h of hashes) expect(n.foundBlocks.get(h)?.submittedHere).toBe(true)
    expect(n.foundBlocks.get(winners[0]?.hash as string)?.status).toBe('in-best-chain')
  }, 180_000)
})
