import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { concatBytes, equalBytes, toHex } from '../../../src/bitcoin/bytes.js'
import { txid } from '../../../src/bitcoin/coinbase.js'
import { encodeHeader, headerHash } from '../../../src/bitcoin/header.js'
import { foldMerkleBranch } from '../../../src/bitcoin/merkle.js'
import { meetsTarget } from '../../../src/bitcoin/target.js'
import { HeaderSearch } from '../../../src/drivers/cpu-search.js'
import { NONCE_CHUNK_SIZE, sliceForThread } from '../../../src/drivers/search-space.js'
import type { MiningWork, Solution } from '../../../src/drivers/types.js'

function targetFor(bits: number): bigint {
  return (1n << BigInt(256 - bits)) - 1n
}

function work(overrides: Partial<MiningWork> = {}): MiningWork {
  return {
    jobId: 'job',
    version: 0x20000000,
    prevHash: randomBytes(32),
    ntime: 0x6553f100,
    bits: 0x1d00ffff,
    coinb1: randomBytes(41),
    extranonce1: randomBytes(4),
    extranonce2Size: 4,
    coinb2: randomBytes(70),
    merkleBranch: [randomBytes(32), randomBytes(32), randomBytes(32)],
    target: targetFor(4),
    versionMask: 0,
    ...overrides
  }
}

/** The header for (extranonce2, version bits, nonce), built with the bitcoin/ primitives only. */
function header(w: MiningWork, extranonce2: Uint8Array, versionBits: number, nonce: number): Uint8Array {
  const coinbase = concatBytes(w.coinb1, w.extranonce1, extranonce2, w.coinb2)
  const version = ((w.version & ~w.versionMask) | versionBits) >>> 0
  return encodeHeader({ version: version | 0, prevHash: w.prevHash, merkleRoot: foldMerkleBranch(txid(coinbase), w.merkleBranch), time: w.ntime, bits: w.bits, nonce })
}

describe('HeaderSearch (the CPU kernel)', () => {
  it('reports exactly the nonces whose header hash meets the target', () => {
    const w = work({ target: targetFor(4) })
    const search = new HeaderSearch(w, sliceForThread(0, 1, w.extranonce2Size))
    const { hashes, solutions } = search.step(2048)
    expect(hashes).toBe(2048)
    const extranonce2 = new Uint8Array(4)
    const expected: number[] = []
    for (let nonce = 0; nonce < 2048; nonce++) if (meetsTarget(headerHash(header(w, extranonce2, 0, nonce)), w.target)) expected.push(nonce)
    expect(solutions.map((s) => s.nonce)).toEqual(expected)
    expect(expected.length).toBeGreaterThan(50) // 1 in 16: the comparison is really exercised
    for (const s of solutions) expect(equalBytes(s.hash, headerHash(header(w, s.extranonce2, s.versionBits, s.nonce)))).toBe(true)
  })

  it('continues where it stopped across calls', () => {
    const w = work()
    const whole = new HeaderSearch(w, sliceForThread(0, 1, 4)).step(3000).solutions
    const parts = new HeaderSearch(w, sliceForThread(0, 1, 4))
    const pieces = [...parts.step(1000).solutions, ...parts.step(999).solutions, ...parts.step(1001).solutions]
    expect(pieces.map((s) => s.nonce)).toEqual(whole.map((s) => s.nonce))
  })

  it('rolls version bits after each nonce chunk, inside the mask only', () => {
    const w = work({ versionMask: 0x00006000, target: targetFor(6) })
    const search = new HeaderSearch(w, sliceForThread(0, 1, 4))
    const { solutions } = search.step(NONCE_CHUNK_SIZE + 4096)
    const rolled = solutions.filter((s) => s.versionBits !== 0)
    expect(rolled.length).toBeGreaterThan(0)
    for (const s of rolled) {
      expect(s.versionBits).toBe(0x2000) // the first roll: the mask's lowest bit
      expect(s.nonce).toBeLessThan(4096) // the nonce starts over in the rolled version
    }
    for (const s of solutions) expect(equalBytes(s.hash, headerHash(header(w, s.extranonce2, s.versionBits, s.nonce)))).toBe(true)
  })

  it('moves to its next extranonce2 (a new merkle root) when its nonce chunks are used up', () => {
    const w = work({ versionMask: 0, target: targetFor(8) })
    // Thread 1 of 2 (extranonce2 1, 3, 5...), started in the last nonce chunk to reach the end quickly.
    const search = new HeaderSearch(w, { ...sliceForThread(1, 2, 4), chunkStart: 65535 })
    const { solutions } = search.step(2 * NONCE_CHUNK_SIZE)
    expect(new Set(solutions.map((s) => toHex(s.extranonce2)))).toEqual(new Set(['00000001', '00000003']))
    for (const s of solutions) {
      expect(s.nonce).toBeGreaterThanOrEqual(65535 * NONCE_CHUNK_SIZE)
      expect(equalBytes(s.hash, headerHash(header(w, s.extranonce2, 0, s.nonce)))).toBe(true)
    }
  })

  it('gives two threads disjoint headers', () => {
    const w = work({ versionMask: 0x1fffe000, target: targetFor(3) })
    const keys = (thread: number): string[] =>
      new HeaderSearch(w, sliceForThread(thread, 2, 4)).step(4096).solutions.map((s: Solution) => `${toHex(s.extranonce2)}/${s.versionBits}/${s.nonce}`)
    const a = keys(0)
    const b = keys(1)
    expect(a.length).toBeGreaterThan(100)
    expect(a.filter((k) => b.includes(k))).toEqual([])
  })

  it('splits nonce chunks when there is no extranonce2, and says when its slice is used up', () => {
    const w = work({ extranonce2Size: 0, versionMask: 0, target: targetFor(8) })
    const slice = { ...sliceForThread(0, 1, 0), chunkStart: 65535 } // the last chunk only
    const search = new HeaderSearch(w, slice)
    const { hashes, solutions } = search.step(NONCE_CHUNK_SIZE + 100)
    expect(hashes).toBe(NONCE_CHUNK_SIZE)
    expect(search.exhausted).toBe(true)
    for (const s of solutions) {
      expect(s.nonce).toBeGreaterThanOrEqual(65535 * NONCE_CHUNK_SIZE)
      expect(s.extranonce2).toHaveLength(0)
    }
    expect(search.step(10).hashes).toBe(0)
    expect(sliceForThread(1, 2, 0)).toEqual({ extranonce2Start: 0, extranonce2Step: 1, chunkStart: 1, chunkStep: 2 })
  })

  it('writes the last nonce of a chunk and the top of the nonce range correctly', () => {
    const w = work({ extranonce2Size: 0, versionMask: 0, target: targetFor(1) })
    const search = new HeaderSearch(w, { extranonce2Start: 0, extranonce2Step: 1, chunkStart: 65535, chunkStep: 1 })
    const { solutions } = search.step(NONCE_CHUNK_SIZE)
    const top = solutions.filter((s) => s.nonce >= 0xffffff00)
    expect(top.length).toBeGreaterThan(50)
    for (const s of top) expect(equalBytes(s.hash, headerHash(header(w, new Uint8Array(0), 0, s.nonce)))).toBe(true)
  })
})
