import { describe, expect, it } from 'vitest'
import { MAX_TARGET } from '../../../src/bitcoin/target.js'
import type { MiningWork } from '../../../src/drivers/types.js'
import { rolledVersion, solutionHash, validateWork } from '../../../src/drivers/work.js'

const base: MiningWork = {
  jobId: 'j',
  version: 0x20000000,
  prevHash: new Uint8Array(32),
  ntime: 1,
  bits: 0x207fffff,
  coinb1: new Uint8Array(10),
  extranonce1: new Uint8Array(4),
  extranonce2Size: 4,
  coinb2: new Uint8Array(10),
  merkleBranch: [],
  target: MAX_TARGET,
  versionMask: 0x1fffe000
}

describe('mining work', () => {
  it('accepts good work and names the bad field otherwise', () => {
    expect(() => validateWork(base)).not.toThrow()
    expect(() => validateWork({ ...base, jobId: '' })).toThrow(/job id/)
    expect(() => validateWork({ ...base, version: -1 })).toThrow(/work.version must be a u32/)
    expect(() => validateWork({ ...base, ntime: 2 ** 32 })).toThrow(/work.ntime/)
    expect(() => validateWork({ ...base, versionMask: 1.5 })).toThrow(/work.versionMask/)
    expect(() => validateWork({ ...base, merkleBranch: [new Uint8Array(31)] })).toThrow(/merkleBranch\[0\]/)
    expect(() => validateWork({ ...base, target: MAX_TARGET + 1n })).toThrow(/target/)
    expect(() => validateWork({ ...base, extranonce2Size: -1 })).toThrow(/extranonce2Size/)
  })

  it('puts rolled bits into the job version, inside the mask only', () => {
    expect(rolledVersion(0x20000000, 0x1fffe000, 0x00002000)).toBe(0x20002000)
    expect(rolledVersion(0x20000000, 0x1fffe000, 0xffffffff)).toBe(0x3fffe000)
    expect(rolledVersion(0x3fffe000, 0x1fffe000, 0)).toBe(0x20000000)
  })

  it('does not describe a header for a solution that does not fit the work', () => {
    const solution = { jobId: 'j', extranonce2: new Uint8Array(3), ntime: 1, nonce: 0, versionBits: 0, hash: new Uint8Array(32) }
    expect(solutionHash(base, solution)).toBeNull()
    expect(solutionHash(base, { ...solution, extranonce2: new Uint8Array(4), versionBits: 1 })).toBeNull()
    expect(solutionHash(base, { ...solution, extranonce2: new Uint8Array(4) })).toHaveLength(32)
  })
})
