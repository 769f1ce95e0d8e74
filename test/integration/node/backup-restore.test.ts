/**
 * Backups restore, as docs/operator-guide.md (Backups) says: a member's disk is lost after its data
 * dir was backed up, and the cooperative (the member itself too) went on mining after the copy.
 * - Started on the copy, the node refuses with a message that says why and what to do: a copied
 *   store holds the node's writer keys, and an older copy would fork its own log (Holepunch's
 *   storage refuses it; we say so in words an operator can act on).
 * - Started on a fresh dir with the join key from the backup's coop.json, it gets the whole
 *   share-chain back from the other members, including what was mined after the backup; once an
 *   indexer adds its new writer key, its miner's shares go into the same log, none invalid.
 * In-process nodes over real TCP stratum, a loopback DHT, bcoin regtest.
 */
import { cpSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addressToScript } from '../../../src/bitcoin/address.js'
import { difficultyToTarget, targetToBits } from '../../../src/bitcoin/target.js'
import { CpuDriver } from '../../../src/drivers/cpu.js'
import { StratumClient } from '../../../src/drivers/stratum-client.js'
import { HashcoopNode, initCooperative, type NodeConfig } from '../../../src/node/node.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { freePort, startRegtest, type RegtestNode } from '../../harness/regtest.js'
import { tempDirs, waitFor } from '../../harness/wait.js'
import { backupDataDir, restoreBackup } from '../../../src/node/backup.js'
import { RestoredWriterError } from '../../../src/node/restored-guard.js'

const MINER = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'
const STRANGER = 'bcrt1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qzf4jry'

let regtest: RegtestNode
let dht: LocalDht
const dirs = tempDirs('backup')
const tempDir = (): string => dirs.make()
const running: HashcoopNode[] = []
const miners: { client: StratumClient; driver: CpuDriver }[] = []



async function start(dataDir: string, extra: Partial<NodeConfig> = {}): Promise<HashcoopNode> {
  const node = await HashcoopNode.start({
    dataDir,
    bitcoind: { url: regtest.rpcUrl, auth: { user: regtest.user, password: regtest.password }, pollIntervalMs: 100 },
    stratum: { host: '127.0.0.1', port: await freePort(), vardiff: false },
    dht: dht.choice(),
    ...extra
  })
  running.push(node)
  return node
}

async function stop(node: HashcoopNode): Promise<void> {
  await node.stop()
  running.splice(running.indexOf(node), 1)
}

async function mineOn(node: HashcoopNode): Promise<() => Promise<void>> {
  const driver = new CpuDriver({ threads: 1 })
  await driver.start()
  const client = new StratumClient({ host: '127.0.0.1', port: node.config.stratum.port, username: `${MINER}.rig`, password: 'x', driver })
  client.start()
  const m = { client, driver }
  miners.push(m)
  return async () => {
    await client.stop()
    await driver.stop()
    miners.splice(miners.indexOf(m), 1)
  }
}

const tipOf = async (n: HashcoopNode): Promise<{ id: string; height: number } | null> => ((await n.view.get('tip'))?.value as { id: string; height: number } | undefined) ?? null
const sharesOf = async (n: HashcoopNode): Promise<number> => ((await n.view.get('stats'))?.value as { shares: number } | undefined)?.shares ?? 0
const invalidOf = async (n: HashcoopNode): Promise<number> => ((await n.view.get('stats'))?.value as { invalid: number } | undefined)?.invalid ?? 0

beforeAll(async () => {
  regtest = await startRegtest()
  await regtest.mineToScript(440, addressToScript(STRANGER, 'regtest'))
  dht = await startLocalDht()
}, 120_000)

afterAll(async () => {
  for (const m of miners.splice(0)) {
    await m.client.stop().catch(() => {})
    await m.driver.stop()
  }
  for (const n of running.splice(0)) await n.stop().catch(() => {})
  await dht?.stop()
  await regtest?.close()
  dirs.removeAll()
}, 60_000)

const OVERRIDES = { shareInterval: 2, halfLife: 60, initialShareBits: targetToBits(difficultyToTarget(0.0002)), windowShares: 50 }

/** A founder, and a member made a writer whose miner has 5 shares in (still mining). */
async function founderAndMiningMember(): Promise<{ joinKey: string; founder: HashcoopNode; memberDir: string; member: HashcoopNode; stopMining: () => Promise<void> }> {
  const founderDir = tempDir()
  const { joinKey } = await initCooperative({ dataDir: founderDir, network: 'regtest', overrides: OVERRIDES })
  const founder = await start(founderDir)
  const memberDir = tempDir()
  const member = await start(memberDir, { joinKey })
  await founder.base.addWriter(member.base.localKey)
  await waitFor('the member to be a writer', 60_000, () => member.base.writable)
  const stopMining = await mineOn(member)
  await waitFor("5 of the member's shares on both nodes", 90_000, async () => (await sharesOf(founder)) >= 5 && (await sharesOf(member)) >= 5)
  return { joinKey, founder, memberDir, member, stopMining }
}

/** The restored node's miner gets 3 shares to the founder; both agree, none invalid. */
async function minesOnAccepted(restored: HashcoopNode, founder: HashcoopNode, before: number): Promise<void> {
  const stopMining = await mineOn(restored)
  await waitFor("3 of the restored member's shares on the founder", 90_000, async () => (await sharesOf(founder)) >= before + 3 && (await tipOf(restored))?.id === (await tipOf(founder))?.id)
  await stopMining()
  expect(await sharesOf(restored)).toBe(await sharesOf(founder))
  expect(await invalidOf(founder)).toBe(0)
  expect(await invalidOf(restored)).toBe(0)
}

describe("a member's backup", () => {
  it('restores after the disk is lost: a copy is refused with a reason, the join key brings the whole share-chain back', async () => {
    const first = await founderAndMiningMember()
    const { joinKey, founder, memberDir } = first
    let { member, stopMining } = first
    await stopMining()
    await stop(member)

    // The backup: the whole data dir, node stopped.
    const backupDir = tempDir()
    cpSync(memberDir, backupDir, { recursive: true })

    // Life goes on after the backup, then the member's disk is lost.
    member = await start(memberDir)
    stopMining = await mineOn(member)
    const atBackup = await sharesOf(founder)
    await waitFor('5 more shares on the founder', 90_000, async () => (await sharesOf(founder)) >= atBackup + 5)
    await stopMining()
    const beforeLoss = await sharesOf(founder)
    await stop(member)
    rmSync(memberDir, { recursive: true, force: true })

    // The copy itself will not open: its writer keys could fork the member's log.
    await expect(start(backupDir)).rejects.toThrow(/was copied or moved from another disk .*Start a fresh data dir with --join KEY/)

    // The join key from the backup's coop.json, on a fresh dir: everything comes back from the founder.
    const saved = JSON.parse(readFileSync(join(backupDir, 'coop.json'), 'utf8')) as { joinKey: string }
    expect(saved.joinKey).toBe(joinKey)
    const restored = await start(tempDir(), { joinKey: saved.joinKey })
    await waitFor('the restored member to hold every share, the ones after the backup too', 60_000, async () => (await sharesOf(restored)) >= beforeLoss && (await tipOf(restored))?.id === (await tipOf(founder))?.id)
    await founder.base.addWriter(restored.base.localKey)
    await waitFor('the restored member to be a writer again', 60_000, () => restored.base.writable)
    await minesOnAccepted(restored, founder, beforeLoss)
  }, 300_000)

  it('backup and restore: an online snapshot restores on a new path with the same writer key; refused while the old node runs; takes the tail the old node wrote after it', async () => {
    const started = await founderAndMiningMember()
    const { founder, memberDir, member } = started
    const stopMining = started.stopMining

    // Online: the member keeps mining while its snapshot is taken.
    const archive = join(tempDir(), 'member.hcbk')
    const backedUp = await member.backup(archive)
    expect(backedUp.writerKey).toBe(Buffer.from(member.base.localKey).toString('hex'))
    const sharesAtBackup = await sharesOf(member)
    await waitFor('3 more shares after the backup', 90_000, async () => (await sharesOf(founder)) >= sharesAtBackup + 3)
    await stopMining()
    const oldLength = member.base.autobase.local?.length ?? 0

    const restoredDir = join(tempDir(), 'elsewhere', 'restored')
    const restoreStarted = process.hrtime.bigint()
    const restoredInfo = await restoreBackup(archive, restoredDir)
    const restoreMs = Number(process.hrtime.bigint() - restoreStarted) / 1e6
    expect(restoredInfo.meta.writerKey).toBe(backedUp.writerKey)
    // A new store on the new path: its device file is its own (another inode), so it opens.
    expect(statSync(join(restoredDir, 'corestore', 'CORESTORE')).ino).not.toBe(statSync(join(memberDir, 'corestore', 'CORESTORE')).ino)

    // The old node still runs: the restored one refuses before appending anything.
    await expect(start(restoredDir, { restoredWaitMs: 30_000 })).rejects.toThrow(RestoredWriterError)
    await expect(start(restoredDir, { restoredWaitMs: 30_000 })).rejects.toThrow(/the node this backup was taken from is running/)

    // The old node gone (its disk lost), the restored one starts with the same writer key and
    // first takes the entries the old one appended after the backup.
    const beforeLoss = await sharesOf(founder)
    await stop(member)
    const lines: string[] = []
    const record = (_: unknown, m: string): void => void lines.push(m)
    const restored = await start(restoredDir, { restoredWaitMs: 30_000, logger: { debug() {}, info: record, warn: record, error: record } })
    // The entries the member appended after the backup came from the founder before any append.
    expect(lines.find((l) => l.startsWith('restored writer:'))).toMatch(/took [1-9]\d* entries of this node's log it lacked/)
    expect(Buffer.from(restored.base.localKey).toString('hex')).toBe(backedUp.writerKey)
    expect(restored.base.autobase.local?.length ?? 0).toBeGreaterThanOrEqual(oldLength)
    await waitFor('the restored member to hold every share, the ones after the backup too', 60_000, async () => (await sharesOf(restored)) >= beforeLoss && (await tipOf(restored))?.id === (await tipOf(founder))?.id)
    expect(restored.base.writable).toBe(true) // no add-writer needed: same key
    await minesOnAccepted(restored, founder, beforeLoss)
    console.log(`backup: ${backedUp.bytes} bytes for ${sharesAtBackup} shares (${Math.round(backedUp.bytes / Math.max(1, sharesAtBackup))} B/share), ${backedUp.records} records; restore ${restoreMs.toFixed(0)} ms; writer log ${oldLength} entries at the loss`)
  }, 400_000)

  it('a founder alone: offline backup, restore; no member answers, so it starts only with --restored-alone', async () => {
    const founderDir = tempDir()
    await initCooperative({ dataDir: founderDir, network: 'regtest', overrides: OVERRIDES })
    let founder = await start(founderDir)
    const stopMining = await mineOn(founder)
    await waitFor('3 shares', 90_000, async () => (await sharesOf(founder)) >= 3)
    await stopMining()
    await expect(backupDataDir(founderDir, join(tempDir(), 'busy.hcbk'))).rejects.toThrow(/already running/)
    const tip = await tipOf(founder)
    const writerKey = Buffer.from(founder.base.localKey).toString('hex')
    await stop(founder)
    const archive = join(tempDir(), 'founder.hcbk')
    await backupDataDir(founderDir, archive)
    rmSync(founderDir, { recursive: true, force: true })
    const restoredDir = join(tempDir(), 'restored')
    await restoreBackup(archive, restoredDir)
    await expect(start(restoredDir, { restoredWaitMs: 2_000 })).rejects.toThrow(/no member of the cooperative answered .*--restored-alone/)
    founder = await start(restoredDir, { restoredWaitMs: 2_000, restoredAlone: true })
    expect(Buffer.from(founder.base.localKey).toString('hex')).toBe(writerKey)
    expect((await tipOf(founder))?.id).toBe(tip?.id)
    expect(founder.base.isIndexer).toBe(true)
    await stop(founder)
    // Checked once: a later start is an ordinary one.
    founder = await start(restoredDir, { restoredWaitMs: 2_000 })
    expect((await tipOf(founder))?.id).toBe(tip?.id)
  }, 300_000)
})
