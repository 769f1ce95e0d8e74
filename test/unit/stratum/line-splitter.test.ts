import { describe, expect, it } from 'vitest'
import { LineSplitter } from '../../../src/stratum/line-splitter.js'

function feed(splitter: LineSplitter, ...chunks: string[]): { lines: string[]; ok: boolean } {
  const lines: string[] = []
  let ok = true
  for (const c of chunks) ok = splitter.push(Buffer.from(c), (l) => (lines.push(l), true)) && ok
  return { lines, ok }
}

describe('LineSplitter', () => {
  it('splits on newlines across chunk boundaries, drops \\r and skips blank lines', () => {
    const { lines, ok } = feed(new LineSplitter(100), '{"a":1}\r\n{"b"', ':2}\n\n  \r\n{"c":3}', '\n')
    expect(ok).toBe(true)
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}'])
  })

  it('keeps a multi-byte UTF-8 character split between chunks intact', () => {
    const bytes = Buffer.from('"h\u00e9"\n')
    const s = new LineSplitter(100)
    const lines: string[] = []
    s.push(bytes.subarray(0, 3), (l) => (lines.push(l), true))
    s.push(bytes.subarray(3), (l) => (lines.push(l), true))
    expect(lines).toEqual(['"h\u00e9"'])
  })

  it('accepts a line of exactly the limit (with or without \\r) and refuses one byte more', () => {
    expect(feed(new LineSplitter(8), '12345678\n').lines).toEqual(['12345678'])
    expect(feed(new LineSplitter(8), '12345678\r\n').lines).toEqual(['12345678'])
    const s = new LineSplitter(8)
    const r = feed(s, '123456789\n')
    expect(r.ok).toBe(false)
    expect(s.overflowed).toBe(true)
  })

  it('refuses an unterminated line as soon as it outgrows the limit, without buffering it', () => {
    const s = new LineSplitter(16)
    expect(feed(s, 'x'.repeat(10)).ok).toBe(true)
    expect(feed(s, 'x'.repeat(10)).ok).toBe(false)
    expect(s.overflowed).toBe(true)
    expect(feed(s, '\n').ok).toBe(false) // unusable from then on
  })

  it('stops when the consumer says so', () => {
    const s = new LineSplitter(100)
    const seen: string[] = []
    expect(s.push(Buffer.from('a\nb\nc\n'), (l) => (seen.push(l), l !== 'b'))).toBe(false)
    expect(seen).toEqual(['a', 'b'])
  })
})
