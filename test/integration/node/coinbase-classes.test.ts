/**
 * Issue 14 end to end: a real regtest node (bcoin), one cooperative node, two CPU miners over real
 * TCP stratum whose user agents say different firmware (stock Antminer: the 750 B class; hashcoop's
 * own driver: the full class). Each gets coinbases of its class, their blocks are accepted, every
 * block's coinbase on the Bitcoin chain equals byte for byte the one rebuilt from the split at its
 * parent for its class, and the auditor replays and reconciles blocks of both classes.
 *
 * maxOutputs is 1 here, so the full class pays one lottery output while the 750 B class pays the
 * finder and every other member their own outputs: the two classes' coinbases differ visibly.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Block } from 'bitcoinjs-lib'
import { fromHex, toHex } from '../../../src/bitcoin/bytes.js'
import { difficultyToTarget, targetToBits } from '../../../src/bitcoin/target.js'
import { addressToScript } from '../../../src/bitcoin/address.js'
import { decodeShare } from '../../../protocol/share.js'
import { shareCoinbase } from '../../../src/sharechain/coinbase.js'
import { classBytes, shareClassLimit } from '../../../src/sharechain/classes.js'
import { HashcoopNode, initCooperative } from '../../../src/node/node.js'
import { CpuDriver } from '../../../src/drivers/cpu.js'
import { StratumClient } from '../../../src/drivers/stratum-client.js'
import { runAudit, type CommandIo } from '../../../src/cli/audit.js'
import type { AuditReport } from '../../../src/audit/report.js'
import { startRegtest, freePort, type RegtestNode } from '../../harness/regtest.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { readAll } from '../../harness/view-read.js'
import { waitFor } from '../../harness/autobase-chain.js'
import type { BlockValue, ShareValue } from '../../../src/sharechain/view.js'

const MINERS = [
  { address: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', userAgent: 'bmminer/2.0.0', coinbaseClass: 2, limit: 750 },
  { address: 'mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn', userAgent: undefined, coinbaseClass: 0, limit: null }
]

let regtest: RegtestNode
let dht: LocalDht
let dataDir: string
let node: HashcoopNode | null = null
const miners: { client: StratumClient; driver: CpuDriver }[] = []

beforeAll(async () => {
  regtest = await startRegtest()
  await regtest.mineToScript(440, addressToScript(MINERS[0]?.address as string, 'regtest')) // segwit active: witness commitments counted in the budget
  dht = await startLocalDht()
  dataDir = mkdtempSync(join(tmpdir(), 'hashcoop-classes-'))
}, 120_000)

afterAll(async () => {
  for (const m of miners) {
    await m.client.stop().catch(() => {})
    await m.driver.stop()
  }
  await node?.stop()
  await dht?.stop()
  await regtest?.close()
  rmSync(dataDir, { recursive: true, force: true })
}, 60_000)

describe('coinbase classes end to end on regtest', () => {
  it('two firmware, two classes on one node: blocks accepted, coinbases rebuilt byte for byte per class, the audit clean', async () => {
    await initCooperative({
      dataDir,
      network: 'regtest',
      overrides: { shareInterval: 2, halfLife: 60, initialShareBits: targetToBits(difficultyToTarget(0.0002)), windowShares: 50, maxOutputs: 1 }
    })
    const bitcoind = { url: regtest.rpcUrl, auth: { user: regtest.user, password: regtest.password }, pollIntervalMs: 100 }
    const n = await HashcoopNode.start({ dataDir, bitcoind, stratum: { host: '127.0.0.1', port: await freePort() }, dht: dht.choice() })
    node = n
    for (const [i, m] of MINERS.entries()) {
      const driver = new CpuDriver({ threads: 1 })
      await driver.start()
      const client = new StratumClient({ host: '127.0.0.1', port: n.config.stratum.port, username: `${m.address}.rig${i}`, password: 'x', driver, ...(m.userAgent === undefined ? {} : { userAgent: m.userAgent }) })
      client.start()
      miners.push({ client, driver })
    }
    const scripts = MINERS.map((m) => toHex(addressToScript(m.address, 'regtest')))
    const classOfScript = new Map(MINERS.map((m, i) => [scripts[i] as string, m.coinbaseClass]))

    // Blocks of both classes, with both miners in the window of some of them.
    const acceptedBlocksByClass = async (): Promise<Map<number, number>> => {
      const counts = new Map<number, number>()
      for (const b of await readAll<BlockValue>(n, 'block')) {
        const c = classOfScript.get(b.finder) ?? -1
        if (b.height > 4) counts.set(c, (counts.get(c) ?? 0) + 1)
      }
      return counts
    }
    await waitFor(async () => {
      const counts = await acceptedBlocksByClass()
      return (counts.get(0) ?? 0) >= 2 && (counts.get(2) ?? 0) >= 2
    }, 'two blocks of each class past the first shares', 240_000)
    expect(n.stratum.sessionStats().map((s) => [s.address, s.coinbaseLimit]).sort()).toEqual(MINERS.map((m) => [m.address, m.limit]).sort())
    for (const m of miners) await m.client.stop()

    const chain = n.state.shareChain
    if (chain === null) throw new Error('no chain')
    let checked = 0
    const outputsByClass = new Map<number, number[]>()
    for (const b of await readAll<BlockValue>(n, 'block')) {
      const hash = (b.id.match(/../g) ?? []).reverse().join('')
      const header = await regtest.rpc.getBlockHeader(hash).catch(() => null)
      if (header === null || (header as { confirmations?: number }).confirmations === -1) continue // lost a race on the Bitcoin chain
      const coinbase = Block.fromHex((await regtest.rpc.getBlock(hash, 0)) as string).transactions?.[0]
      if (coinbase === undefined) throw new Error('block without transactions')
      const share = decodeShare(fromHex(((await n.view.get(`share!${b.id}`))?.value as ShareValue).bytes))
      expect(share.coinbaseClass).toBe(classOfScript.get(toHex(share.payoutScript)))
      const record = chain.get(b.id)
      if (record === undefined) throw new Error('block share missing from the chain memo')
      const parent = record.parentHex === null ? undefined : chain.get(record.parentHex)
      const split = chain.payoutSplit(parent, share.payoutScript, BigInt(share.coinbaseValue), shareClassLimit(chain.params, share))
      expect(b.outputs).toEqual(split.outputs.map((o) => ({ script: toHex(o.script), value: String(o.value) })))
      const expected = shareCoinbase(chain.consensusId, share, split.outputs)
      const stripped = coinbase.clone()
      for (const input of stripped.ins) input.witness = [] // the non-witness serialization, which the budget counts
      expect(toHex(stripped.toBuffer())).toBe(toHex(expected))
      const budget = classBytes(chain.params, share.coinbaseClass)
      if (budget !== null) expect(expected.length).toBeLessThanOrEqual(budget)
      outputsByClass.set(share.coinbaseClass, [...(outputsByClass.get(share.coinbaseClass) ?? []), split.outputs.length])
      checked++
    }
    expect(checked).toBeGreaterThanOrEqual(4)
    // maxOutputs 1: the full class never pays more than one output; the 750 B class pays both miners once both are in the window.
    expect(Math.max(...(outputsByClass.get(0) ?? [0]))).toBe(1)
    expect(Math.max(...(outputsByClass.get(2) ?? [0]))).toBe(2)

    await n.stop()
    node = null
    let out = ''
    let err = ''
    const io: CommandIo = { out: { write: (s: string) => (out += s) }, err: { isTTY: false, write: (s: string) => (err += s) } }
    const code = await runAudit(['--data', dataDir, '--bitcoind', regtest.rpcUrl, '--rpc-user', regtest.user, '--rpc-password', regtest.password, '--json'], io)
    expect(code, err).toBe(0)
    const report = JSON.parse(out) as AuditReport
    expect(report.summary.clean).toBe(true)
    const inChain = report.blocks.filter((b) => b.bitcoin === 'in-best-chain')
    const finders = new Set(inChain.map((b) => classOfScript.get(b.finder)))
    expect(finders).toEqual(new Set([0, 2]))
    for (const b of inChain) expect(b.coinbase).toBe('match')
  }, 420_000)
})
