/**
 * `hashcoop audit --join` and `export --join` against a live cooperative on a loopback DHT testnet:
 * a founder and a writer it added, both with the node's real share-chain apply, serving the swarm.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { applyAdminOp } from '../../../src/coop/admin-op.js'
import { CoopBase } from '../../../src/coop/base.js'
import { encodeJoinKey } from '../../../src/coop/join-key.js'
import { openCoopStore, type CoopStore } from '../../../src/coop/store.js'
import { CoopSwarm } from '../../../src/coop/swarm.js'
import { consensusId } from '../../../protocol/params.js'
import { encodeEntry, type Share } from '../../../protocol/share.js'
import { asViewLike, createShareApply, openShareView, type ShareView } from '../../../src/sharechain/autobase.js'
import { ShareChainState } from '../../../src/sharechain/state.js'
import { RANGE, type MinerValue, type StatsValue, type TipValue } from '../../../src/sharechain/view.js'
import type { AuditReport } from '../../../src/audit/report.js'
import { runAudit, type CommandIo } from '../../../src/cli/audit.js'
import { runExport } from '../../../src/cli/export.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { waitFor } from '../../harness/autobase-chain.js'
import { idOf, mineHonest, params } from '../../unit/audit/fixtures.js'

interface Member {
  store: CoopStore
  base: CoopBase<ShareView>
  swarm: CoopSwarm
  stop(): Promise<void>
}

let dht: LocalDht
let dir: string
let founder: Member
let writer: Member
let joinKey: string
let shares: Share[]

async function startMember(name: string, bootstrapKey: Uint8Array | null, encryptionKey: Uint8Array | null = null): Promise<Member> {
  const store = await openCoopStore(join(dir, name))
  const state = new ShareChainState(consensusId(params))
  const base = await CoopBase.open<ShareView>({
    store: store.store,
    bootstrapKey,
    encryptionKey,
    open: openShareView,
    apply: createShareApply(state, { onAdmin: (payload, author, host) => applyAdminOp(payload, author, host) }),
    wrapAdminOp: (payload) => encodeEntry({ type: 'admin', payload }),
    ackInterval: 50
  })
  const swarm = await CoopSwarm.start({ base: base as CoopBase<unknown>, consensusId: consensusId(params), dht: dht.choice(), keyPair: await store.store.createKeyPair('hashcoop-swarm') })
  return {
    store,
    base,
    swarm,
    async stop() {
      await swarm.close()
      await base.close()
      await store.close()
    }
  }
}

async function stats(m: Member): Promise<StatsValue | undefined> {
  return (await m.base.view.get('stats'))?.value as StatsValue | undefined
}

beforeAll(async () => {
  dht = await startLocalDht()
  dir = await mkdtemp(join(tmpdir(), 'hashcoop-audit-join-'))
  shares = (await mineHonest()).shares
  founder = await startMember('founder', null)
  await founder.base.append(encodeEntry({ type: 'genesis', params }))
  writer = await startMember('writer', founder.base.key)
  await founder.base.addWriter(writer.base.localKey)
  await writer.base.waitForWritable()
  // the founder appends the first half, the writer the rest (each once it has the parent)
  for (const [i, share] of shares.entries()) {
    const m = i < shares.length / 2 ? founder : writer
    const deps = [share.height > 0 ? toHex(share.parent) : null, ...share.uncles.map(toHex)].filter((d): d is string => d !== null)
    await waitFor(async () => {
      await m.base.update()
      for (const d of deps) if ((await m.base.view.get(`share!${d}`)) === null) return false
      return true
    }, 'dependencies to replicate', 60_000)
    await m.base.append(encodeEntry({ type: 'share', share }))
  }
  const last = idOf(shares.at(-1) as Share)
  await waitFor(async () => {
    await Promise.all([founder.base.update(), writer.base.update()])
    return (await founder.base.hash()) === (await writer.base.hash()) && (await founder.base.view.get(`share!${last}`)) !== null
  }, 'convergence', 60_000)
  joinKey = encodeJoinKey({ bootstrapKey: founder.base.key, consensusId: consensusId(params), encryptionKey: null })
}, 180_000)

afterAll(async () => {
  await writer?.stop()
  await founder?.stop()
  await dht?.stop()
  await rm(dir, { recursive: true, force: true })
})

function io(): CommandIo & { stdout: () => string; stderr: () => string } {
  let out = ''
  let err = ''
  return { out: { write: (s: string) => (out += s) }, err: { isTTY: false, write: (s: string) => (err += s) }, dht: dht.choice(), stdout: () => out, stderr: () => err }
}

async function founderFigures(): Promise<{ miners: MinerValue[]; tip: TipValue; stats: StatsValue }> {
  const view = asViewLike(founder.base.view)
  const miners: MinerValue[] = []
  for await (const e of view.createReadStream(RANGE.miners)) miners.push(e.value as MinerValue)
  return { miners, tip: (await view.get('tip'))?.value as TipValue, stats: (await stats(founder)) as StatsValue }
}

describe('auditing a live cooperative over the network (read-only)', () => {
  it("audit --join: downloads the whole share-chain, replays it clean, figures equal to the members' view", async () => {
    const before = await founderFigures()
    const x = io()
    expect(await runAudit(['--join', joinKey, '--json', '--timeout', '60'], x)).toBe(0)
    const report = JSON.parse(x.stdout()) as AuditReport
    expect(report.anomalies).toEqual([])
    expect(report.source.kind).toBe('join')
    expect(report.summary.shares).toBe(shares.length)
    expect(report.summary.tip).toEqual(before.tip)
    expect(report.summary.logLength).toBe(before.stats.seq)
    for (const m of before.miners) expect(report.payouts.find((p) => p.script === m.script)).toMatchObject({ shares: m.shares, uncles: m.uncles, work: m.work })
    expect(x.stderr()).toMatch(/joining cooperative [0-9a-f]{8} \(read-only\)/)
    // the auditor wrote nothing: no entry was added to the cooperative's log
    await founder.base.update()
    expect((await stats(founder))?.seq).toBe(before.stats.seq)
  }, 120_000)

  it('export --join, then audit --file offline: the same report', async () => {
    const file = join(dir, 'joined.hcx')
    expect(await runExport(['--join', joinKey, '--out', file, '--timeout', '60'], io())).toBe(0)
    const a = io()
    const b = io()
    expect(await runAudit(['--file', file, '--json'], a)).toBe(0)
    expect(await runAudit(['--join', joinKey, '--json', '--timeout', '60'], b)).toBe(0)
    const fromFile = JSON.parse(a.stdout()) as AuditReport
    const live = JSON.parse(b.stdout()) as AuditReport
    expect(fromFile.payouts).toEqual(live.payouts)
    expect(fromFile.blocks).toEqual(live.blocks)
    expect(fromFile.summary).toEqual(live.summary)
  }, 120_000)

  it('a private cooperative: the join key carries the encryption key, and the audit reads through it', async () => {
    const secret = randomBytes(32)
    const founderOfPrivate = await startMember('private-founder', null, secret)
    try {
      await founderOfPrivate.base.append(encodeEntry({ type: 'genesis', params }))
      for (const share of shares.slice(0, 8)) await founderOfPrivate.base.append(encodeEntry({ type: 'share', share }))
      await founderOfPrivate.base.update()
      const key = encodeJoinKey({ bootstrapKey: founderOfPrivate.base.key, consensusId: consensusId(params), encryptionKey: secret })
      const x = io()
      expect(await runAudit(['--join', key, '--json', '--timeout', '60'], x)).toBe(0)
      const report = JSON.parse(x.stdout()) as AuditReport
      expect(report.summary.shares).toBe(8)
      expect(report.anomalies).toEqual([])
    } finally {
      await founderOfPrivate.stop()
    }
  }, 120_000)

  it('a cooperative nobody serves: a timeout with a message, exit 3', async () => {
    const nobody = encodeJoinKey({ bootstrapKey: randomBytes(32), consensusId: randomBytes(32), encryptionKey: null })
    const x = io()
    expect(await runAudit(['--join', nobody, '--timeout', '2'], x)).toBe(3)
    expect(x.stderr()).toMatch(/hashcoop audit: cannot reach cooperative [0-9a-f]{8}: no member answered within 2 s \(is a node of it online\? a private DHT needs --bootstrap host:port\)\n$/)
  }, 30_000)
})
