import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { concatBytes, equalBytes, toHex } from '../../../src/bitcoin/bytes.js'
import { txid } from '../../../src/bitcoin/coinbase.js'
import { encodeHeader, headerHash } from '../../../src/bitcoin/header.js'
import { foldMerkleBranch } from '../../../src/bitcoin/merkle.js'
import { meetsTarget } from '../../../src/bitcoin/target.js'
import { CHECK_INTERVAL } from '../../../src/drivers/cpu-protocol.js'
import { CpuDriver, type WorkDone } from '../../../src/drivers/cpu.js'
import type { MiningWork, Solution } from '../../../src/drivers/types.js'
import { waitFor } from './helpers.js'

/** One hash in 2^bits meets this target. */
function targetFor(bits: number): bigint {
  return (1n << BigInt(256 - bits)) - 1n
}

function work(jobId: string, target: bigint, overrides: Partial<MiningWork> = {}): MiningWork {
  return {
    jobId,
    version: 0x20000000,
    prevHash: randomBytes(32),
    ntime: 0x6553f100,
    bits: 0x207fffff,
    coinb1: randomBytes(42),
    extranonce1: randomBytes(4),
    extranonce2Size: 4,
    coinb2: randomBytes(60),
    merkleBranch: [randomBytes(32), randomBytes(32)],
    target,
    versionMask: 0x1fffe000,
    ...overrides
  }
}

/** The solution's header rebuilt here, from the bitcoin/ primitives alone. */
function rebuiltHash(w: MiningWork, s: Solution): Uint8Array {
  const coinbase = concatBytes(w.coinb1, w.extranonce1, s.extranonce2, w.coinb2)
  const version = ((w.version & ~w.versionMask) | s.versionBits) >>> 0
  return headerHash(encodeHeader({ version: version | 0, prevHash: w.prevHash, merkleRoot: foldMerkleBranch(txid(coinbase), w.merkleBranch), time: s.ntime, bits: w.bits, nonce: s.nonce }))
}

let drivers: CpuDriver[] = []
afterEach(async () => {
  await Promise.all(drivers.map((d) => d.stop()))
  drivers = []
})

async function started(threads: number): Promise<CpuDriver> {
  const driver = new CpuDriver({ threads })
  drivers.push(driver)
  await driver.start()
  return driver
}

describe('CPU driver (worker threads)', () => {
  it('finds solutions that meet the target when rebuilt independently', async () => {
    const driver = await started(1)
    const w = work('easy', targetFor(12))
    const solutions: Solution[] = []
    driver.on('solution', (s: Solution) => solutions.push(s))
    driver.setWork(w, true)
    await waitFor(() => solutions.length >= 20, '20 solutions')
    for (const s of solutions) {
      expect(s.jobId).toBe('easy')
      expect(s.ntime).toBe(w.ntime)
      expect(s.extranonce2).toHaveLength(4)
      expect(s.versionBits & ~w.versionMask).toBe(0)
      const hash = rebuiltHash(w, s)
      expect(equalBytes(hash, s.hash)).toBe(true)
      expect(meetsTarget(hash, w.target)).toBe(true)
    }
    const stats = driver.stats()
    expect(stats.hardwareErrors).toBe(0)
    expect(stats.solutions).toBe(solutions.length)
    expect(stats.threads[0]?.hashes).toBeGreaterThan(0)
  })

  it('threads search disjoint spaces: no duplicate solutions, every thread contributes', async () => {
    const driver = await started(2)
    const w = work('split', targetFor(10))
    const solutions: Solution[] = []
    driver.on('solution', (s: Solution) => solutions.push(s))
    driver.setWork(w, true)
    await waitFor(() => solutions.length >= 200, '200 solutions')
    const keys = solutions.map((s) => `${toHex(s.extranonce2)}/${s.versionBits}/${s.nonce}`)
    expect(new Set(keys).size).toBe(keys.length)
    const extranonces = new Set(solutions.map((s) => toHex(s.extranonce2)))
    expect(extranonces).toEqual(new Set(['00000000', '00000001'])) // thread i starts at extranonce2 = i
    for (const s of solutions) expect(meetsTarget(rebuiltHash(w, s), w.target)).toBe(true)
    expect(driver.stats().threads.every((t) => t.hashes > 0)).toBe(true)
  })

  it('splits the nonce range instead when there is no extranonce2 to split', async () => {
    const driver = await started(2)
    const w = work('no-en2', targetFor(10), { extranonce2Size: 0, versionMask: 0 })
    const solutions: Solution[] = []
    driver.on('solution', (s: Solution) => solutions.push(s))
    // Thread 0 scans nonce chunks 0, 2, 4...; thread 1 chunks 1, 3, 5... (chunks of 2^16). On a busy
    // machine one thread may find all of the first hundred while the other waits for a core: wait
    // for both chunk parities as well, not for a count alone.
    const parity = (s: Solution): number => Math.floor(s.nonce / 65536) % 2
    driver.setWork(w, true)
    await waitFor(() => solutions.length >= 100 && new Set(solutions.map(parity)).size === 2, '100 solutions, from both threads')
    expect(new Set(solutions.map((s) => s.nonce)).size).toBe(solutions.length)
    for (const s of solutions) expect(meetsTarget(rebuiltHash(w, s), w.target)).toBe(true)
  })

  it('cancels promptly on clean work: a thread does at most two check intervals more on the old work', async () => {
    const driver = await started(2)
    const left: WorkDone[] = []
    driver.on('workDone', (d: WorkDone) => left.push(d))
    // No solutions on either work: only the hash counts matter.
    driver.setWork(work('old', 0n), true)
    await waitFor(() => driver.stats().threads.every((t) => t.hashes >= 20 * CHECK_INTERVAL), 'both threads busy on the old work')
    driver.setWork(work('new', 0n), true)
    // Read after the switch, so that a pause of this thread can only loosen the bound, never break it.
    const afterSwitch = driver.stats().threads.map((t) => t.hashes)
    await waitFor(() => left.filter((d) => d.jobId === 'old').length === 2, 'both threads to leave the old work')
    for (const done of left) {
      // The counter is published every CHECK_INTERVAL hashes, so it lags by less than one interval;
      // after the switch a thread finishes at most the interval it is in.
      expect(done.hashes).toBeLessThanOrEqual((afterSwitch[done.thread] as number) + 2 * CHECK_INTERVAL)
      expect(done.exhausted).toBe(false)
    }
  })

  it('keeps late solutions of the old work after a non-clean switch, and drops them after a clean one', async () => {
    const driver = await started(1)
    const seen: Solution[] = []
    driver.on('solution', (s: Solution) => seen.push(s))
    const left: WorkDone[] = []
    driver.on('workDone', (d: WorkDone) => left.push(d))

    driver.setWork(work('a', targetFor(6)), true)
    await waitFor(() => seen.length >= 5, 'solutions of a')
    driver.setWork(work('b', targetFor(6)), false)
    // A thread posts its solutions before its 'left' report, so once that is here, all of a's are too.
    await waitFor(() => left.some((d) => d.jobId === 'a'), 'the thread to leave a')
    expect(driver.stats().discarded).toBe(0)

    await waitFor(() => seen.some((s) => s.jobId === 'b'), 'solutions of b')
    const emittedBeforeClean = seen.length
    driver.setWork(work('c', 0n), true)
    await waitFor(() => left.some((d) => d.jobId === 'b'), 'the thread to leave b')
    expect(seen.length).toBe(emittedBeforeClean)
    expect(driver.stats().hardwareErrors).toBe(0)
  })

  it('refuses bad work with a clear error and keeps running', async () => {
    const driver = await started(1)
    expect(() => driver.setWork(work('bad', 1n, { prevHash: new Uint8Array(31) }), true)).toThrow(/prevHash must be 32 bytes/)
    expect(() => driver.setWork(work('bad', 1n, { extranonce2Size: 99 }), true)).toThrow(/extranonce2Size/)
    expect(() => driver.setWork(work('bad', -1n), true)).toThrow(/target/)
    const solutions: Solution[] = []
    driver.on('solution', (s: Solution) => solutions.push(s))
    driver.setWork(work('good', targetFor(8)), true)
    await waitFor(() => solutions.length >= 1, 'a solution after the refusals')
  })

  it('stops, restarts, and reports a hashrate per thread', async () => {
    const driver = await started(2)
    driver.setWork(work('x', 0n), true)
    await waitFor(() => driver.stats().threads.every((t) => t.hashrate > 0), 'a hashrate on both threads')
    const stats = driver.stats()
    expect(stats.hashrate).toBeCloseTo(stats.threads.reduce((a, t) => a + t.hashrate, 0))
    await driver.stop()
    expect(() => driver.setWork(work('y', 0n), true)).toThrow(/not started/)
    await driver.start()
    const solutions: Solution[] = []
    driver.on('solution', (s: Solution) => solutions.push(s))
    driver.setWork(work('z', targetFor(8)), true)
    await waitFor(() => solutions.length >= 1, 'a solution after the restart')
  })
})
