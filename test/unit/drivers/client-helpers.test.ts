import { describe, expect, it } from 'vitest'
import { Backoff } from '../../../src/drivers/backoff.js'
import { RateMeter, formatHashrate } from '../../../src/drivers/hashrate.js'
import { LineSplitter } from '../../../src/drivers/json-lines.js'
import { parseStratumUrl } from '../../../src/drivers/stratum-url.js'

describe('LineSplitter', () => {
  it('joins partial chunks, strips CR, skips blank lines', () => {
    let overflows = 0
    const s = new LineSplitter(100, () => overflows++)
    expect(s.push('{"a"')).toEqual([])
    expect(s.push(':1}\r\n\n{"b":2}\n{"c"')).toEqual(['{"a":1}', '{"b":2}'])
    expect(s.push(':3}\n')).toEqual(['{"c":3}'])
    expect(overflows).toBe(0)
  })

  it('drops an over-long line up to its newline, once, and carries on', () => {
    let overflows = 0
    const s = new LineSplitter(10, () => overflows++)
    expect(s.push('x'.repeat(11))).toEqual([])
    expect(s.push('y'.repeat(50))).toEqual([])
    expect(s.push('zz\nok\n')).toEqual(['ok'])
    expect(s.push('w'.repeat(11) + '\nfine\n')).toEqual(['fine'])
    expect(overflows).toBe(2)
  })
})

describe('Backoff', () => {
  it('doubles up to the cap and starts over on reset', () => {
    const b = new Backoff(100, 1000)
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000])
    b.reset()
    expect(b.next()).toBe(100)
    expect(() => new Backoff(10, 5)).toThrow(/backoff/)
  })
})

describe('hashrate', () => {
  it('averages over the window of samples', () => {
    const m = new RateMeter(10_000)
    expect(m.rate()).toBe(0)
    m.record(0, 0)
    m.record(500, 1000)
    expect(m.rate()).toBe(500)
    for (let t = 2000; t <= 20_000; t += 1000) m.record(500 + (t - 1000) * 2, t) // 2000 H/s from t=1s
    expect(m.rate()).toBe(2000)
  })

  it('formats with SI units', () => {
    expect(formatHashrate(0)).toBe('0 H/s')
    expect(formatHashrate(950)).toBe('950.0 H/s')
    expect(formatHashrate(812_345)).toBe('812.3 kH/s')
    expect(formatHashrate(1.5e12)).toBe('1.50 TH/s')
    expect(formatHashrate(Number.NaN)).toBe('0 H/s')
  })
})

describe('parseStratumUrl', () => {
  it('reads host and port', () => {
    expect(parseStratumUrl('stratum+tcp://127.0.0.1:3333')).toEqual({ host: '127.0.0.1', port: 3333 })
    expect(parseStratumUrl('stratum+tcp://[::1]:3333')).toEqual({ host: '::1', port: 3333 })
    expect(parseStratumUrl('stratum+tcp://pool.example:3333/')).toEqual({ host: 'pool.example', port: 3333 })
  })

  it('refuses anything else with the reason', () => {
    expect(() => parseStratumUrl('127.0.0.1:3333')).toThrow(/scheme|URL/)
    expect(() => parseStratumUrl('http://h:1')).toThrow(/unsupported scheme "http"/)
    expect(() => parseStratumUrl('stratum+tcp://h')).toThrow(/no port/)
    expect(() => parseStratumUrl('stratum+tcp://h:0')).toThrow(/port/)
    expect(() => parseStratumUrl('stratum+tcp://u:p@h:1')).toThrow(/credentials/)
    expect(() => parseStratumUrl('stratum+tcp://h:1/x')).toThrow(/path/)
    expect(() => parseStratumUrl('nonsense')).toThrow(/not a URL/)
  })
})
