import { describe, expect, it } from 'vitest'
import { bitsToTarget, targetToDifficulty } from '../../../src/bitcoin/target.js'
import { ConfigError } from '../../../src/config/errors.js'
import { INIT_HELP, INIT_OPTIONS, initSettings } from '../../../src/config/init.js'

async function refusal(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  try {
    await initSettings(argv, env)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error(`accepted: ${argv.join(' ')}`)
}

describe('hashcoop init options', () => {
  it('defaults to a public mainnet cooperative with the protocol defaults', async () => {
    const s = await initSettings([], {})
    expect(s).toMatchObject({ network: 'mainnet', private: false, overrides: { name: 'hashcoop' } })
  })

  it('reads the network, privacy and every parameter', async () => {
    const s = await initSettings(
      ['--network', 'regtest', '--private', '--name', 'friends', '--share-interval', '5', '--half-life', '300', '--window-shares', '1000', '--max-uncles', '2', '--uncle-depth', '4', '--uncle-weight-bps', '8000', '--finder-bonus-bps', '100', '--min-payout', '5000', '--max-outputs', '50', '--initial-share-difficulty', '0.001', '--max-share-difficulty', '0.0001'],
      {}
    )
    expect(s?.network).toBe('regtest')
    expect(s?.private).toBe(true)
    const o = s?.overrides ?? {}
    expect(o).toMatchObject({ name: 'friends', shareInterval: 5, halfLife: 300, windowShares: 1000, maxUncles: 2, uncleDepth: 4, uncleWeightBps: 8000, finderBonusBps: 100, minPayout: 5000, maxOutputs: 50 })
    expect(targetToDifficulty(bitsToTarget(o.initialShareBits as number))).toBeCloseTo(0.001, 6)
    expect(targetToDifficulty(bitsToTarget(o.maxShareBits as number))).toBeCloseTo(0.0001, 7)
  })

  it('reads the coinbase classes as a list, or none', async () => {
    expect((await initSettings(['--coinbase-classes', '600, 900,4000'], {}))?.overrides.coinbaseClasses).toEqual([600, 900, 4000])
    expect((await initSettings(['--coinbase-classes', 'none'], {}))?.overrides.coinbaseClasses).toEqual([])
    expect(INIT_HELP).toMatch(/--coinbase-classes LIST\s+.*\(default: 500,750,2250,6500\)/)
  })

  it('takes --private from the environment as a boolean', async () => {
    expect((await initSettings([], { HASHCOOP_PRIVATE: 'yes' }))?.private).toBe(true)
    expect((await initSettings([], { HASHCOOP_PRIVATE: '0' }))?.private).toBe(false)
    const err = await refusal([], { HASHCOOP_PRIVATE: 'maybe' })
    expect(err.message).toMatch(/^--private: HASHCOOP_PRIVATE must be true or false/)
  })

  it('lists every option, with per-network defaults where they differ', () => {
    for (const o of INIT_OPTIONS) expect(INIT_HELP).toContain(`--${o.name}`)
    expect(INIT_HELP).toMatch(/--share-interval N\s+target seconds between shares \(default: 10; regtest 2\)/)
    expect(INIT_HELP).toMatch(/--max-outputs N\s+.*\(default: 100\)/)
  })

  const invalid: [what: string, argv: string[], option: string][] = [
    ['an unknown network', ['--network', 'testnet5'], 'network'],
    ['a zero share interval', ['--share-interval', '0'], 'share-interval'],
    ['a share interval over an hour', ['--share-interval', '3601'], 'share-interval'],
    ['a half-life shorter than the share interval', ['--share-interval', '10', '--half-life', '5'], 'half-life'],
    ['an empty window', ['--window-shares', '0'], 'window-shares'],
    ['too many uncles', ['--max-uncles', '17'], 'max-uncles'],
    ['uncles without depth', ['--uncle-depth', '0'], 'uncle-depth'],
    ['an uncle weight over 100 %', ['--uncle-weight-bps', '10001'], 'uncle-weight-bps'],
    ['a finder bonus over 10 %', ['--finder-bonus-bps', '1001'], 'finder-bonus-bps'],
    ['no outputs', ['--max-outputs', '0'], 'max-outputs'],
    ['coinbase classes out of order', ['--coinbase-classes', '750,500'], 'coinbase-classes'],
    ['a coinbase class too small for a finder and a pot', ['--coinbase-classes', '300'], 'coinbase-classes'],
    ['a coinbase class that is not a number', ['--coinbase-classes', '500,big'], 'coinbase-classes'],
    ['a minimum payout that is not an integer', ['--min-payout', '1.5'], 'min-payout'],
    ['a negative parameter', ['--window-shares', '-5'], 'window-shares'],
    ['a zero share difficulty', ['--initial-share-difficulty', '0'], 'initial-share-difficulty'],
    ['a first share easier than the easiest allowed', ['--network', 'regtest', '--max-share-difficulty', '1', '--initial-share-difficulty', '0.5'], 'initial-share-difficulty'],
    ['a share floor easier than the network allows', ['--network', 'mainnet', '--max-share-difficulty', '0.5'], 'max-share-difficulty'],
    ['a name over 64 bytes', ['--name', 'n'.repeat(65)], 'name']
  ]
  for (const [what, argv, option] of invalid) {
    it(`refuses ${what}, naming --${option}`, async () => {
      const err = await refusal(argv)
      expect(err.option).toBe(option)
      expect(err.message.startsWith(`--${option}:`)).toBe(true)
    })
  }
})
