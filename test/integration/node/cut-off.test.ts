/**
 * Issue 16, the original scenario: a founder A (a share-chain process on its own data dir, the
 * cooperative's only writer) and a joined node B (a real HashcoopNode, non-writer, with bitcoind
 * and a CPU miner over real stratum). A is killed -9: B notices it is cut off, says so (warn log,
 * client.show_message, /api/status), refuses shares with a clear stratum error instead of leaving
 * the miner without answers, and keeps every block it finds (submitted to bitcoind, its share
 * held). A restarts on the same data dir: B reconnects by itself, shares are credited again, the
 * held block shares reach the cooperative's log, and /api/blocks answers throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { difficultyToTarget, targetToBits } from '../../../src/bitcoin/target.js'
import type { CoopLogger, LogFields } from '../../../src/coop/log.js'
import { HashcoopNode, initCooperative } from '../../../src/node/node.js'
import { ApiServer } from '../../../src/api/index.js'
import { CpuDriver } from '../../../src/drivers/cpu.js'
import { StratumClient } from '../../../src/drivers/stratum-client.js'
import { startRegtest, freePort, type RegtestNode } from '../../harness/regtest.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { ProcessPeer } from '../../harness/peer-process.js'
import { tempDirs, waitFor } from '../../harness/wait.js'

const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'

let regtest: RegtestNode
let dht: LocalDht
const dirs = tempDirs('cutoff')
const tempDir = (): string => dirs.make()
let founder: ProcessPeer | null = null
let node: HashcoopNode | null = null
let api: ApiServer | null = null
let client: StratumClient | null = null
let driver: CpuDriver | null = null



interface Line {
  level: string
  msg: string
}
function recorder(lines: Line[]): CoopLogger {
  const rec = (level: string) => (_: LogFields, msg: string) => void lines.push({ level, msg })
  return { debug: () => {}, info: rec('info'), warn: rec('warn'), error: rec('error') }
}

beforeAll(async () => {
  regtest = await startRegtest()
  dht = await startLocalDht()
}, 120_000)

afterAll(async () => {
  await client?.stop().catch(() => {})
  await driver?.stop()
  await api?.close()
  await node?.stop()
  await founder?.stop()
  await dht?.stop()
  await regtest?.close()
  dirs.removeAll()
}, 60_000)

describe('a joined node cut off by its founder crashing', () => {
  it('refuses shares with a clear error while cut off, holds its blocks, and recovers by itself when the founder restarts', async () => {
    const founderDir = tempDir()
    const { joinKey, key } = await initCooperative({
      dataDir: founderDir,
      network: 'regtest',
      overrides: { shareInterval: 2, halfLife: 60, initialShareBits: targetToBits(difficultyToTarget(0.0002)), windowShares: 50 }
    })
    founder = new ProcessPeer({ name: 'founder', dataDir: founderDir, consensusId: toHex(key.consensusId), bootstrapKey: null, bootstrap: dht.bootstrap, relay: true })
    await founder.start()

    const logs: Line[] = []
    node = await HashcoopNode.start({
      dataDir: tempDir(),
      joinKey,
      bitcoind: { url: regtest.rpcUrl, auth: { user: regtest.user, password: regtest.password }, pollIntervalMs: 100 },
      stratum: { host: '127.0.0.1', port: await freePort() },
      dht: dht.choice(),
      cutOff: { graceMs: 1000, appendStallMs: 5000 },
      logger: recorder(logs)
    })
    const b = node
    api = await ApiServer.start({ node: b, port: 0, adminToken: 'x'.repeat(32) })
    const apiUrl = `http://127.0.0.1:${api.port}`
    expect(b.base.writable).toBe(false)

    const shown: string[] = []
    const refusals: string[] = []
    driver = new CpuDriver({ threads: 1 })
    await driver.start()
    client = new StratumClient({
      host: '127.0.0.1',
      port: b.config.stratum.port,
      username: `${ADDRESS}.rig`,
      password: 'x',
      driver,
      reconnectDelayMs: 200,
      logger: { info: (m) => void (m.startsWith('message from the server') && shown.push(m)), warn: () => {} }
    })
    client.on('rejected', (o) => refusals.push(o.reason ?? ''))
    client.start()

    // Connected: B's shares reach the founder's log.
    await waitFor('shares from B in the founder view', 180_000, async () => (await founder?.report())!.shares >= 3)
    expect(b.reach.state.cutOff).toBe(false)

    // kill -9 the founder: B is cut off (no writer connected), and says so.
    await founder.kill()
    const killedAt = Date.now()
    await waitFor('B to see itself cut off', 60_000, () => b.reach.state.cutOff)
    console.info(`[measure] founder killed -9: joined node cut off after ${Date.now() - killedAt} ms`)
    expect(b.reach.state.reason).toBe('no-writer')
    expect(logs.some((l) => l.level === 'warn' && l.msg.startsWith('cut off from the cooperative'))).toBe(true)
    const status = (await (await fetch(`${apiUrl}/api/status`)).json()) as { cutOff: { cutOff: boolean; reason: string } }
    expect(status.cutOff).toMatchObject({ cutOff: true, reason: 'no-writer' })
    await waitFor('the miner told why (client.show_message)', 60_000, () => shown.some((m) => m.includes('cut off from the cooperative')))
    // The miner gets answers: shares refused with the reason, not silence.
    const refusedBefore = refusals.filter((r) => r.includes('cut off from the cooperative')).length
    await waitFor('a share refused with the cut-off reason', 120_000, () => refusals.filter((r) => r.includes('cut off from the cooperative')).length > refusedBefore)
    // On regtest every share is also a block: it still goes to bitcoind, its share is held for the
    // cooperative, and the miner hears exactly that.
    const acceptedBefore = b.work.stats.blocks.accepted
    await waitFor('a block found while cut off, its share held', 180_000, () => b.work.stats.blocks.accepted > acceptedBefore && b.heldBlocks.size > 0)
    expect(refusals.some((r) => /the block went to bitcoind and its share is held/.test(r))).toBe(true)
    // The API answers while cut off (it used to hang).
    const blocksRes = await fetch(`${apiUrl}/api/blocks`, { signal: AbortSignal.timeout(20_000) })
    expect([200, 503]).toContain(blocksRes.status)

    // The founder restarts on its data dir; B reconnects without being restarted.
    await founder.start()
    const restartedAt = Date.now()
    await waitFor('B reconnected', 90_000, () => !b.reach.state.cutOff)
    console.info(`[measure] founder restarted: joined node reconnected after ${Date.now() - restartedAt} ms`)
    expect(logs.some((l) => l.msg.startsWith('reconnected to the cooperative'))).toBe(true)
    await waitFor('held block shares handed over', 120_000, () => b.heldBlocks.size === 0)
    const sharesAt = (await founder.report()).shares
    await waitFor('new shares from B in the founder view', 180_000, async () => (await founder?.report())!.shares > sharesAt)
    const after = (await (await fetch(`${apiUrl}/api/status`)).json()) as { cutOff: { cutOff: boolean; heldBlocks: number } }
    expect(after.cutOff).toMatchObject({ cutOff: false, heldBlocks: 0 })
    expect((await fetch(`${apiUrl}/api/blocks`, { signal: AbortSignal.timeout(20_000) })).status).toBe(200)
  }, 900_000)
})
