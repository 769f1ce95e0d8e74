/** Per-session coinbase limits: the firmware table, the password's cb=, the operator's rules. */
import { describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildCoinbaseParts } from '../../../src/bitcoin/coinbase.js'
import { MAX_TARGET } from '../../../src/bitcoin/target.js'
import { coinbaseLimitFor, loadCoinbaseLimitRules, parseCoinbaseLimitRules, parsePasswordCoinbaseLimit, UNKNOWN_AGENT_LIMIT } from '../../../src/stratum/coinbase-limits.js'
import type { Payout } from '../../../src/stratum/types.js'
import { makeJob } from './support/fixtures.js'
import { ALICE, BOB, startServer } from './support/harness.js'

describe('the firmware table', () => {
  it.each([
    ['bmminer/2.0.0', 750],
    ['Antminer S19j Pro/Tue Apr 27 2021', 750],
    ['cgminer/4.9.0 (Antminer S19)', 750],
    ['whatsminer/v1.1', 6500],
    ['btminer/3.1', 6500],
    ['bosminer-plus-tuner/0.9', null],
    ['Braiins OS 23.03', null],
    ['ePIC UMC', null],
    ['bitaxe/BM1366/v2.1.0', null],
    ['ESP-Miner', null],
    ['NerdMinerV2', null],
    ['cpuminer/2.5.1', null],
    ['cgminer/4.12.1', null],
    ['bfgminer/5.5.0', null],
    ['NiceHash/1.0.0', 500],
    ['hashcoop/0.9.0', null],
    ['some-new-firmware/1.0', UNKNOWN_AGENT_LIMIT]
  ])('%s -> %s', (agent, limit) => {
    expect(coinbaseLimitFor(agent, undefined, [])).toBe(limit)
  })

  it('takes the password over the operator, and the operator over the table', () => {
    const rules = parseCoinbaseLimitRules('[{"userAgent": "^bmminer", "coinbase": "full"}, {"userAgent": "mystery", "coinbase": 2250}]', 'test')
    expect(coinbaseLimitFor('bmminer/2.0.0', undefined, rules)).toBeNull()
    expect(coinbaseLimitFor('mystery-rig', undefined, rules)).toBe(2250)
    expect(coinbaseLimitFor('bmminer/2.0.0', 6500, rules)).toBe(6500)
    expect(coinbaseLimitFor('bitaxe', 750, [])).toBe(750)
    expect(coinbaseLimitFor(null, undefined, [])).toBe(UNKNOWN_AGENT_LIMIT)
  })

  it('reads cb= from the password, alone or in a list', () => {
    expect(parsePasswordCoinbaseLimit('x')).toEqual({ ok: true, value: undefined })
    expect(parsePasswordCoinbaseLimit('cb=750')).toEqual({ ok: true, value: 750 })
    expect(parsePasswordCoinbaseLimit('x,d=1024,cb=FULL')).toEqual({ ok: true, value: null })
    expect(parsePasswordCoinbaseLimit('cb=big')).toMatchObject({ ok: false, message: expect.stringMatching(/cb= must be a coinbase size in bytes/) })
    expect(parsePasswordCoinbaseLimit('cb=0')).toMatchObject({ ok: false })
  })

  it('says what is wrong with a rules file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-rules-'))
    const bad = (text: string): string => {
      const file = join(dir, 'rules.json')
      writeFileSync(file, text)
      try {
        loadCoinbaseLimitRules(file)
      } catch (err) {
        return (err as Error).message
      }
      return 'no error'
    }
    expect(bad('{')).toMatch(/rules\.json: not JSON/)
    expect(bad('{}')).toMatch(/not an array/)
    expect(bad('[{"userAgent": "(", "coinbase": 750}]')).toMatch(/entry 0: "userAgent" is not a regular expression/)
    expect(bad('[{"userAgent": "x", "coinbase": "huge"}]')).toMatch(/entry 0: "coinbase" must be a positive number of bytes or "full"/)
    expect(() => loadCoinbaseLimitRules(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read/)
    expect(bad('[{"userAgent": "rig", "coinbase": 750}]')).toBe('no error')
  })
})

describe('a session’s coinbase limit on the wire', () => {
  it('builds each connection’s coinbase for its user agent or its cb=, and shows it per session', async () => {
    const seen: { address: string; limit: number | null | undefined }[] = []
    const job = {
      ...makeJob({ shareTarget: MAX_TARGET >> 20n, blockTarget: MAX_TARGET >> 24n }),
      coinbaseFor: (payout: Payout) => {
        seen.push({ address: payout.address, limit: payout.coinbaseLimit })
        const parts = buildCoinbaseParts({ height: 900_000, extranonceSize: 12, witnessCommitment: null, payouts: [{ value: 5_000n, script: payout.script }], commitment: new Uint8Array(32) })
        return { coinb1: parts.coinb1, coinb2: parts.coinb2 }
      }
    }
    const rules = parseCoinbaseLimitRules('[{"userAgent": "farm-proxy", "coinbase": 2250}]', 'test')
    const h = await startServer({ minDifficulty: 1e-12, startDifficulty: 1e-12, vardiff: false, coinbaseLimitRules: rules })
    h.server.setJob(job)
    const connect = async (agent: string, username: string, password: string): Promise<void> => {
      const m = await h.miner()
      await m.request('mining.subscribe', [agent])
      const auth = await m.request('mining.authorize', [username, password])
      expect(auth.result).toBe(true)
      await m.notify()
    }
    await connect('bmminer/2.0.0', `${ALICE}.s19`, 'x')
    await connect('bitaxe/v2.1', `${BOB}.axe`, 'x,cb=750')
    await connect('farm-proxy/1', `${ALICE}.farm`, 'x')
    expect(seen).toEqual([
      { address: ALICE, limit: 750 },
      { address: BOB, limit: 750 },
      { address: ALICE, limit: 2250 }
    ])
    const limits = h.server.sessionStats().map((s) => [s.userAgent, s.coinbaseLimit])
    expect(limits).toEqual([
      ['bmminer/2.0.0', 750],
      ['bitaxe/v2.1', 750],
      ['farm-proxy/1', 2250]
    ])
    const refused = await h.miner()
    await refused.request('mining.subscribe', ['x'])
    expect((await refused.request('mining.authorize', [`${ALICE}.bad`, 'cb=lots'])).error).toEqual([24, expect.stringMatching(/cb= must be/), null])
  })
})
