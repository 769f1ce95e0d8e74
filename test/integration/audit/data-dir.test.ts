/**
 * A cooperative run through real Autobase (test/harness/autobase-chain.ts: a founder and a writer
 * replicating, each appending shares), then audited from a node's data dir: directly, and through
 * `hashcoop export --data` and `audit --file`. The data dir has the node's layout (its Corestore
 * under corestore/, as coop/store.ts opens it).
 */
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { openCoopStore } from '../../../src/coop/store.js'
import { decodeJoinKey, encodeJoinKey } from '../../../src/coop/join-key.js'
import { readCoopFile, writeCoopFile } from '../../../src/node/coop-file.js'
import { consensusId } from '../../../protocol/params.js'
import { RANGE, type MinerValue, type StatsValue, type TipValue } from '../../../src/sharechain/view.js'
import type { AuditReport } from '../../../src/audit/report.js'
import { runAudit, type CommandIo } from '../../../src/cli/audit.js'
import { runExport } from '../../../src/cli/export.js'
import type { Share } from '../../../protocol/share.js'
import { closeChainNode, shareEntry, waitFor, writerCluster, type ChainNode } from '../../harness/autobase-chain.js'
import { minerScript } from '../../harness/sharechain.js'
import { idOf, mineHonest, params } from '../../unit/audit/fixtures.js'

let dir: string
const dataDirs: string[] = []
let nodeView: { miners: MinerValue[]; stats: StatsValue; tip: TipValue }
let joinKey: string

function io(): CommandIo & { stdout: () => string; stderr: () => string } {
  let out = ''
  let err = ''
  return { out: { write: (s: string) => (out += s) }, err: { isTTY: false, write: (s: string) => (err += s) }, stdout: () => out, stderr: () => err }
}

/** Appends `shares` alternately from the nodes, each once its parent and uncles reached that node. */
async function appendAll(nodes: ChainNode[], shares: Share[]): Promise<void> {
  for (const [i, share] of shares.entries()) {
    const n = nodes[i % nodes.length] as ChainNode
    const deps = [share.height > 0 ? toHex(share.parent) : null, ...share.uncles.map(toHex)].filter((d): d is string => d !== null)
    await waitFor(async () => {
      await n.base.update()
      for (const d of deps) if ((await n.view.get(`share!${d}`)) === null) return false
      return true
    }, 'dependencies to replicate')
    await n.base.append(shareEntry(share))
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hashcoop-audit-data-'))
  const { shares } = await mineHonest()
  const { nodes, disconnect } = await writerCluster(params, 2)
  joinKey = encodeJoinKey({ bootstrapKey: (nodes[0] as ChainNode).base.key, consensusId: consensusId(params), encryptionKey: null })
  try {
    await appendAll(nodes, shares)
    // junk from the writer: the node records it as invalid
    await (nodes[1] as ChainNode).base.append(Uint8Array.of(1, 9, 9, 9))
    const last = idOf(shares.at(-1) as Share)
    await waitFor(async () => {
      await Promise.all(nodes.map((n) => n.base.update()))
      const hashes = await Promise.all(nodes.map((n) => n.base.hash()))
      const stats = await Promise.all(nodes.map(async (n) => (await n.view.get('stats'))?.value as StatsValue | undefined))
      return hashes.every((h) => h === hashes[0]) && stats.every((s) => s?.invalid === 1) && (await (nodes[0] as ChainNode).view.get(`share!${last}`)) !== null
    }, 'convergence', 60_000)
    const view = (nodes[1] as ChainNode).view
    const miners: MinerValue[] = []
    for await (const e of view.createReadStream(RANGE.miners)) miners.push(e.value as MinerValue)
    nodeView = { miners, stats: (await view.get('stats'))?.value as StatsValue, tip: (await view.get('tip'))?.value as TipValue }
  } finally {
    disconnect()
    // Stop the nodes and keep their stores, moved into data dirs of the node's layout.
    for (const [i, n] of nodes.entries()) {
      await n.base.close()
      await n.store.close()
      const dataDir = join(dir, `node-${i}`)
      await mkdir(dataDir)
      await rename(n.dir, join(dataDir, 'corestore'))
      dataDirs.push(dataDir)
      await closeChainNode(n).catch(() => {})
    }
    // The writer's dir as `hashcoop node` leaves it, with coop.json; the founder's without one.
    await writeCoopFile(dataDirs[1] as string, { joinKey, founder: false })
  }
}, 180_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function expectNodeFigures(report: AuditReport): void {
  expect(report.anomalies).toEqual([])
  expect(report.summary.clean).toBe(true)
  expect(report.summary.shares).toBe(nodeView.stats.shares)
  expect(report.summary.invalidRecordedByNode).toBe(1)
  expect(report.summary.invalidReasons).toEqual([{ reason: 'malformed', count: 1 }])
  expect(report.summary.logLength).toBe(nodeView.stats.seq)
  expect(report.summary.tip).toEqual(nodeView.tip)
  expect(report.summary.blocks.found).toBe(nodeView.stats.blocks)
  for (const m of nodeView.miners) {
    expect(report.payouts.find((p) => p.script === m.script)).toMatchObject({ shares: m.shares, uncles: m.uncles, work: m.work })
  }
  // a race's loser (miner 9's sibling or the share it raced; the tie goes to the lower id) is credited as an uncle
  expect(report.payouts.some((p) => p.uncles > 0)).toBe(true)
}

describe('auditing a node run on real Autobase, from its data dir', () => {
  it("audit --data: clean, per-miner figures equal to the node's view (founder and writer alike)", async () => {
    for (const dataDir of dataDirs) {
      const x = io()
      expect(await runAudit(['--data', dataDir, '--json'], x)).toBe(0)
      const report = JSON.parse(x.stdout()) as AuditReport
      expect(report.source).toEqual({ kind: 'data', label: `data dir ${dataDir}` })
      expectNodeFigures(report)
    }
  }, 60_000)

  it('export --data, then audit --file: the same clean result', async () => {
    const file = join(dir, 'coop.hcx')
    const x = io()
    expect(await runExport(['--data', dataDirs[1] as string, '--out', file], x)).toBe(0)
    expect(x.stdout()).toMatch(new RegExp(`^wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${nodeView.stats.shares} shares, 1 rejected entries, \\d+ records, \\d+ bytes\\n$`))
    const y = io()
    expect(await runAudit(['--file', file, '--json'], y)).toBe(0)
    expectNodeFigures(JSON.parse(y.stdout()) as AuditReport)
    // an export of the other node's data dir has the same log, so the same replay
    const other = join(dir, 'coop-founder.hcx')
    expect(await runExport(['--data', dataDirs[0] as string, '--out', other], io())).toBe(0)
    const z = io()
    expect(await runAudit(['--file', other, '--json'], z)).toBe(0)
    const a = JSON.parse(y.stdout()) as AuditReport
    const b = JSON.parse(z.stdout()) as AuditReport
    expect(b.payouts).toEqual(a.payouts)
    expect(b.summary).toEqual(a.summary)
  }, 60_000)

  it("a coop.json naming another cooperative than the store's view: refused with both ids", async () => {
    const dataDir = dataDirs[1] as string
    const saved = await readCoopFile(dataDir)
    const other = encodeJoinKey({ bootstrapKey: decodeJoinKey(joinKey).bootstrapKey, consensusId: new Uint8Array(32).fill(1), encryptionKey: null })
    await writeCoopFile(dataDir, { joinKey: other, founder: false })
    try {
      const x = io()
      expect(await runAudit(['--data', dataDir], x)).toBe(3)
      expect(x.stderr()).toMatch(new RegExp(`the view's genesis is cooperative ${toHex(consensusId(params))}, the join key names ${'01'.repeat(32)}`))
    } finally {
      await writeCoopFile(dataDir, saved as NonNullable<typeof saved>)
    }
  })

  it("a running node's data dir: the clear 'already running' error", async () => {
    const dataDir = dataDirs[0] as string
    const held = await openCoopStore(dataDir)
    try {
      const x = io()
      expect(await runAudit(['--data', dataDir], x)).toBe(3)
      expect(x.stderr()).toBe(`hashcoop audit: cannot audit ${dataDir}: already running (data dir ${dataDir} is locked by pid ${process.pid}); stop the node, or audit it with --join\n`)
      const y = io()
      expect(await runExport(['--data', dataDir, '--out', join(dir, 'never.hcx')], y)).toBe(3)
      expect(y.stderr()).toContain('already running')
    } finally {
      await held.close()
    }
  })
})
