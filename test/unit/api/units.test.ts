import { describe, expect, it } from 'vitest'
import { axisTicks } from '../../../src/api/estimates.js'
import { formatBtc, formatDuration, formatHashrate, HASHRATE_UNITS, percent } from '../../../src/api/units.js'

describe('formatHashrate', () => {
  it('names zero, and refuses what is not a rate', () => {
    expect(formatHashrate(0)).toBe('0 H/s')
    expect(formatHashrate(-1)).toBe('n/a')
    expect(formatHashrate(Number.NaN)).toBe('n/a')
    expect(formatHashrate(Number.POSITIVE_INFINITY)).toBe('n/a')
  })

  it('keeps three significant figures below 1 kH/s', () => {
    expect(formatHashrate(0.5)).toBe('0.50 H/s')
    expect(formatHashrate(1)).toBe('1.00 H/s')
    expect(formatHashrate(9.994)).toBe('9.99 H/s')
    expect(formatHashrate(9.996)).toBe('10.0 H/s')
    expect(formatHashrate(99.94)).toBe('99.9 H/s')
    expect(formatHashrate(99.96)).toBe('100 H/s')
    expect(formatHashrate(999.4)).toBe('999 H/s')
  })

  // Every unit boundary: just below it stays in the lower unit, rounding up to 1000 moves to the
  // next unit (never "1000 kH/s"), and the boundary itself reads 1.00 of the next unit.
  const steps = HASHRATE_UNITS.slice(1).map((unit, i) => ({ unit, lower: HASHRATE_UNITS[i] as string, base: 1000 ** (i + 1) }))
  for (const { unit, lower, base } of steps) {
    it(`crosses from ${lower} to ${unit} at 1000 ${lower}`, () => {
      expect(formatHashrate(base * 0.9994)).toBe(`999 ${lower}`)
      expect(formatHashrate(base * 0.9996)).toBe(`1.00 ${unit}`)
      expect(formatHashrate(base)).toBe(`1.00 ${unit}`)
      expect(formatHashrate(base * 1.005001)).toBe(`1.01 ${unit}`)
      expect(formatHashrate(base * 12.34)).toBe(`12.3 ${unit}`)
      expect(formatHashrate(base * 123.4)).toBe(`123 ${unit}`)
    })
  }

  it('stops at ZH/s and lets the number grow', () => {
    expect(formatHashrate(1e21)).toBe('1.00 ZH/s')
    expect(formatHashrate(999.6e21)).toBe('1000 ZH/s')
    expect(formatHashrate(12_345e21)).toBe('12300 ZH/s')
  })

  it('reads a Bitaxe and the Bitcoin network right', () => {
    expect(formatHashrate(1.2e12)).toBe('1.20 TH/s')
    expect(formatHashrate(7.5e20)).toBe('750 EH/s')
  })
})

describe('formatBtc', () => {
  it('shows eight decimals from satoshis of any type', () => {
    expect(formatBtc(0n)).toBe('0.00000000')
    expect(formatBtc(1n)).toBe('0.00000001')
    expect(formatBtc(625_000_000n)).toBe('6.25000000')
    expect(formatBtc('2100000000000000')).toBe('21000000.00000000')
    expect(formatBtc(123_456_789)).toBe('1.23456789')
    expect(formatBtc(-150_000_000n)).toBe('-1.50000000')
  })
})

describe('percent and durations', () => {
  it('computes percent from integers', () => {
    expect(percent(1n, 3n)).toBe(33.33)
    expect(percent(0n, 0n)).toBe(0)
    expect(percent(10n ** 30n, 4n * 10n ** 30n)).toBe(25)
  })

  it('formats durations', () => {
    expect(formatDuration(42)).toBe('42s')
    expect(formatDuration(185)).toBe('3m 05s')
    expect(formatDuration(3720)).toBe('1h 02m')
  })
})

describe('axisTicks', () => {
  it('gives round labelled steps that reach the maximum', () => {
    const ticks = axisTicks(1_390_000)
    expect(ticks.map((t) => t.label)).toEqual(['0 H/s', '500 kH/s', '1.00 MH/s', '1.50 MH/s'])
    expect(axisTicks(0)).toEqual([{ value: 0, label: '0 H/s' }])
    const big = axisTicks(7.5e20)
    expect((big.at(-1) as { value: number }).value).toBeGreaterThanOrEqual(7.5e20)
    expect(big.length).toBeLessThanOrEqual(7)
  })
})
