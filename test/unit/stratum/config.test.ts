import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../src/stratum/config.js'
import type { StratumServerOptions } from '../../../src/stratum/types.js'

const base: StratumServerOptions = { network: 'mainnet', onSolution: () => undefined }

describe('stratum server settings', () => {
  it('fills in the documented defaults', () => {
    const c = resolveConfig(base)
    expect(c).toMatchObject({
      host: '127.0.0.1',
      extranonce1Size: 4,
      extranonce2Size: 8,
      versionRollingMask: 0x1fffe000,
      maxLineBytes: 16 * 1024,
      ntimeFutureLimitSec: 60,
      vardiff: { targetShareIntervalMs: 10_000, retargetMs: 30_000, retargetShares: 20, deadBand: [0.5, 2] }
    })
    expect(resolveConfig({ ...base, vardiff: false }).vardiff).toBeNull()
    expect(resolveConfig({ ...base, vardiff: { retargetShares: 5 } }).vardiff?.retargetShares).toBe(5)
  })

  it('refuses settings that cannot work, saying which', () => {
    const bad: [Partial<StratumServerOptions>, RegExp][] = [
      [{ network: 'moonnet' as 'mainnet' }, /unknown network/],
      [{ extranonce1Size: 0 }, /extranonce1Size/],
      [{ extranonce2Size: 1 }, /extranonce2Size/],
      [{ minDifficulty: 10, maxDifficulty: 1 }, /minDifficulty must not exceed/],
      [{ startDifficulty: 0.00001 }, /startDifficulty must lie within/],
      [{ maxLineBytes: 0 }, /maxLineBytes/],
      [{ vardiff: { deadBand: [2, 3] } }, /deadBand/],
      [{ extranonce1Size: 1, extranonce1Start: 256n }, /extranonce1Start/]
    ]
    for (const [over, message] of bad) expect(() => resolveConfig({ ...base, ...over })).toThrow(message)
  })
})
