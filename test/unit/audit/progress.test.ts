import { describe, expect, it } from 'vitest'
import { formatDuration, ProgressBar } from '../../../src/audit/progress.js'
import { btc, percent } from '../../../src/audit/report.js'

function recorder(isTTY: boolean): { stream: { isTTY: boolean; columns: number; write(s: string): boolean }; text: () => string } {
  let text = ''
  return {
    stream: {
      isTTY,
      columns: 100,
      write(s: string) {
        text += s
        return true
      }
    },
    text: () => text
  }
}

describe('the progress bar', () => {
  it('draws rate and ETA on a terminal, redrawing in place, and clears itself', () => {
    let t = 0
    const { stream, text } = recorder(true)
    const bar = new ProgressBar(stream, 'replaying', 10_000, { now: () => t })
    t = 1000
    bar.update(2_500)
    expect(text()).toContain('\rreplaying  25% [')
    expect(text()).toContain('2,500/10,000 2,500/s ETA 0:03')
    t = 1050 // within the redraw interval: nothing new
    bar.update(2_600)
    expect(text()).not.toContain('2,600')
    t = 2000
    bar.update(5_000)
    expect(text()).toContain('5,000/10,000 2,500/s ETA 0:02')
    bar.finish()
    expect(text().endsWith('\r\x1b[K')).toBe(true)
  })

  it('stays silent when stderr is not a terminal, or the work is small', () => {
    const pipe = recorder(false)
    const a = new ProgressBar(pipe.stream, 'replaying', 100_000)
    a.update(50_000)
    a.finish()
    expect(pipe.text()).toBe('')
    const tty = recorder(true)
    const b = new ProgressBar(tty.stream, 'replaying', 10)
    b.update(5)
    b.finish()
    expect(tty.text()).toBe('')
  })

  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0:00')
    expect(formatDuration(75.4)).toBe('1:15')
    expect(formatDuration(3 * 3600 + 62)).toBe('3:01:02')
    expect(formatDuration(Infinity)).toBe('--:--')
  })
})

describe('report figures', () => {
  it('BTC and percentages are exact', () => {
    expect(btc(0n)).toBe('0.00000000')
    expect(btc(123_456_789n)).toBe('1.23456789')
    expect(btc(-5n)).toBe('-0.00000005')
    expect(btc(2_100_000_000_000_000n)).toBe('21000000.00000000')
    expect(percent(1n, 3n)).toBe('33.3333')
    expect(percent(2n, 3n)).toBe('66.6667')
    expect(percent(5n, 5n)).toBe('100.0000')
    expect(percent(0n, 0n)).toBe('0.0000')
  })
})
