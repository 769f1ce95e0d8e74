/** Markdown helpers for the report: tables and number formats. */

export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[], align?: readonly ('l' | 'r')[]): string {
  const a = align ?? header.map((_, i) => (i === 0 ? 'l' : 'r'))
  const line = (cells: readonly (string | number)[]): string => `| ${cells.map(String).join(' | ')} |`
  return [line(header), `|${a.map((x) => (x === 'l' ? ' --- ' : ' ---: ')).join('|')}|`, ...rows.map(line)].join('\n')
}

export function pct(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : 'n/a'
}

/** A signed percentage, for gains and losses. */
export function signedPct(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return 'n/a'
  const s = (x * 100).toFixed(digits)
  return `${x > 0 ? '+' : ''}${s} %`
}

export function fixed(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a'
}

export function btc(sats: number, digits = 4): string {
  return `${(sats / 1e8).toFixed(digits)}`
}

export function int(x: number): string {
  return Math.round(x).toLocaleString('en-US')
}

export function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MB`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`
  return `${Math.round(n)} B`
}

export function hashrate(h: number): string {
  for (const [unit, v] of [['EH/s', 1e18], ['PH/s', 1e15], ['TH/s', 1e12], ['GH/s', 1e9]] as const) if (h >= v) return `${Number((h / v).toPrecision(3))} ${unit}`
  return `${h} H/s`
}
