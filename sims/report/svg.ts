/**
 * Hand-written SVG charts for docs/sims.md: line/point charts (linear or log axes, bands,
 * reference lines) and grouped bar charts. Output is plain, deterministic SVG text, so a
 * regenerated report differs from the committed one only where the numbers do.
 */

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf']

export interface Series {
  name: string
  points: readonly (readonly [number, number])[]
  color?: string
  /** 'line' (default), 'points', or both. */
  style?: 'line' | 'points' | 'line+points' | 'step'
  dashed?: boolean
}

export interface Band {
  name: string
  /** [x, low, high] */
  points: readonly (readonly [number, number, number])[]
  color?: string
}

export interface RefLine {
  value: number
  label: string
  axis?: 'x' | 'y'
}

export interface LineChartSpec {
  title: string
  /** One line under the title: seed and parameters. */
  subtitle: string
  xLabel: string
  yLabel: string
  series: readonly Series[]
  bands?: readonly Band[]
  refLines?: readonly RefLine[]
  xLog?: boolean
  yLog?: boolean
  xRange?: readonly [number, number]
  yRange?: readonly [number, number]
  /** Formats tick labels (default: compact numbers). */
  xFormat?: (v: number) => string
  yFormat?: (v: number) => string
  width?: number
  height?: number
}

const MARGIN = { left: 72, right: 24, top: 58, bottom: 52 }
const LEGEND_ROW = 18

export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 760
  const legendRows = Math.ceil((spec.series.length + (spec.bands?.length ?? 0)) / 3)
  const plotHeight = (spec.height ?? 420) - MARGIN.top - MARGIN.bottom
  const height = MARGIN.top + plotHeight + MARGIN.bottom + legendRows * LEGEND_ROW
  const plotWidth = width - MARGIN.left - MARGIN.right

  const xs: number[] = []
  const ys: number[] = []
  for (const s of spec.series) for (const [x, y] of s.points) pushFinite(xs, ys, x, y, spec)
  for (const b of spec.bands ?? []) for (const [x, lo, hi] of b.points) (pushFinite(xs, ys, x, lo, spec), pushFinite(xs, ys, x, hi, spec))
  for (const r of spec.refLines ?? []) (r.axis === 'x' ? xs : ys).push(r.value)
  const xr = spec.xRange ?? extent(xs, spec.xLog === true)
  const yr = spec.yRange ?? extent(ys, spec.yLog === true, true)
  const sx = scaler(xr, [MARGIN.left, MARGIN.left + plotWidth], spec.xLog === true)
  const sy = scaler(yr, [MARGIN.top + plotHeight, MARGIN.top], spec.yLog === true)
  const fx = spec.xFormat ?? compact
  const fy = spec.yFormat ?? compact

  const out: string[] = [open(width, height), title(spec.title, spec.subtitle, width)]
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="#fff" stroke="#999"/>`)
  for (const t of ticks(xr, spec.xLog === true)) {
    const x = sx(t)
    out.push(`<line x1="${f(x)}" y1="${MARGIN.top}" x2="${f(x)}" y2="${MARGIN.top + plotHeight}" stroke="#eee"/>`)
    out.push(`<text x="${f(x)}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle">${esc(fx(t))}</text>`)
  }
  for (const t of ticks(yr, spec.yLog === true)) {
    const y = sy(t)
    out.push(`<line x1="${MARGIN.left}" y1="${f(y)}" x2="${MARGIN.left + plotWidth}" y2="${f(y)}" stroke="#eee"/>`)
    out.push(`<text x="${MARGIN.left - 6}" y="${f(y + 4)}" text-anchor="end">${esc(fy(t))}</text>`)
  }
  out.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${MARGIN.top + plotHeight + 36}" text-anchor="middle">${esc(spec.xLabel)}</text>`)
  out.push(`<text transform="translate(16 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`)
  out.push(`<clipPath id="plot"><rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}"/></clipPath><g clip-path="url(#plot)">`)
  ;(spec.bands ?? []).forEach((b, i) => {
    const pts = b.points.filter(([x, lo, hi]) => ok(x, spec.xLog) && ok(lo, spec.yLog) && ok(hi, spec.yLog))
    if (pts.length < 2) return
    const upper = pts.map(([x, , hi]) => `${f(sx(x))},${f(sy(hi))}`)
    const lower = [...pts].reverse().map(([x, lo]) => `${f(sx(x))},${f(sy(lo))}`)
    out.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${b.color ?? PALETTE[(i + 5) % PALETTE.length]}" fill-opacity="0.15" stroke="none"/>`)
  })
  for (const r of spec.refLines ?? []) {
    if (r.axis === 'x') {
      const x = sx(r.value)
      out.push(`<line x1="${f(x)}" y1="${MARGIN.top}" x2="${f(x)}" y2="${MARGIN.top + plotHeight}" stroke="#555" stroke-dasharray="2 3"/>`)
      out.push(`<text x="${f(x + 3)}" y="${MARGIN.top + 12}" fill="#555">${esc(r.label)}</text>`)
    } else {
      const y = sy(r.value)
      out.push(`<line x1="${MARGIN.left}" y1="${f(y)}" x2="${MARGIN.left + plotWidth}" y2="${f(y)}" stroke="#555" stroke-dasharray="2 3"/>`)
      out.push(`<text x="${MARGIN.left + plotWidth - 4}" y="${f(y - 4)}" text-anchor="end" fill="#555">${esc(r.label)}</text>`)
    }
  }
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]
    const pts = s.points.filter(([x, y]) => ok(x, spec.xLog) && ok(y, spec.yLog))
    const style = s.style ?? 'line'
    if (style !== 'points' && pts.length > 1) {
      const coords: string[] = []
      pts.forEach(([x, y], k) => {
        if (style === 'step' && k > 0) coords.push(`${f(sx(x))},${f(sy((pts[k - 1] as readonly [number, number])[1]))}`)
        coords.push(`${f(sx(x))},${f(sy(y))}`)
      })
      out.push(`<polyline points="${coords.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`)
    }
    if (style === 'points' || style === 'line+points') for (const [x, y] of pts) out.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="3" fill="${color}" fill-opacity="0.8"/>`)
  })
  out.push('</g>')
  const legend = [...spec.series.map((s, i) => ({ name: s.name, color: s.color ?? (PALETTE[i % PALETTE.length] as string), dashed: s.dashed === true, band: false })), ...(spec.bands ?? []).map((b, i) => ({ name: b.name, color: b.color ?? (PALETTE[(i + 5) % PALETTE.length] as string), dashed: false, band: true }))]
  legend.forEach((l, i) => {
    const x = MARGIN.left + (i % 3) * (plotWidth / 3)
    const y = MARGIN.top + plotHeight + MARGIN.bottom + Math.floor(i / 3) * LEGEND_ROW
    out.push(l.band ? `<rect x="${x}" y="${y - 9}" width="22" height="10" fill="${l.color}" fill-opacity="0.15"/>` : `<line x1="${x}" y1="${y - 4}" x2="${x + 22}" y2="${y - 4}" stroke="${l.color}" stroke-width="2"${l.dashed ? ' stroke-dasharray="6 4"' : ''}/>`)
    out.push(`<text x="${x + 28}" y="${y}">${esc(l.name)}</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}

export interface BarChartSpec {
  title: string
  subtitle: string
  yLabel: string
  categories: readonly string[]
  series: readonly { name: string; values: readonly number[]; color?: string }[]
  yFormat?: (v: number) => string
  width?: number
  height?: number
}

/** Grouped vertical bars; negative values hang below the zero line. */
export function barChart(spec: BarChartSpec): string {
  const width = spec.width ?? 760
  const plotHeight = (spec.height ?? 400) - MARGIN.top - MARGIN.bottom
  const legendRows = Math.ceil(spec.series.length / 3)
  const height = MARGIN.top + plotHeight + MARGIN.bottom + legendRows * LEGEND_ROW
  const plotWidth = width - MARGIN.left - MARGIN.right
  const values = spec.series.flatMap((s) => s.values.filter(Number.isFinite))
  const yr = extent([0, ...values], false, true)
  const sy = scaler(yr, [MARGIN.top + plotHeight, MARGIN.top], false)
  const fy = spec.yFormat ?? compact
  const out: string[] = [open(width, height), title(spec.title, spec.subtitle, width)]
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="#fff" stroke="#999"/>`)
  for (const t of ticks(yr, false)) {
    const y = sy(t)
    out.push(`<line x1="${MARGIN.left}" y1="${f(y)}" x2="${MARGIN.left + plotWidth}" y2="${f(y)}" stroke="#eee"/>`)
    out.push(`<text x="${MARGIN.left - 6}" y="${f(y + 4)}" text-anchor="end">${esc(fy(t))}</text>`)
  }
  out.push(`<text transform="translate(16 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`)
  const groupWidth = plotWidth / spec.categories.length
  const barWidth = (groupWidth * 0.8) / spec.series.length
  const zero = sy(0)
  spec.categories.forEach((c, ci) => {
    const gx = MARGIN.left + ci * groupWidth + groupWidth * 0.1
    spec.series.forEach((s, si) => {
      const v = s.values[ci]
      if (v === undefined || !Number.isFinite(v)) return
      const y = sy(v)
      out.push(`<rect x="${f(gx + si * barWidth)}" y="${f(Math.min(y, zero))}" width="${f(barWidth - 2)}" height="${f(Math.abs(zero - y))}" fill="${s.color ?? PALETTE[si % PALETTE.length]}"/>`)
      out.push(`<text x="${f(gx + si * barWidth + barWidth / 2)}" y="${f(v >= 0 ? y - 4 : y + 12)}" text-anchor="middle" font-size="10">${esc(fy(v))}</text>`)
    })
    out.push(`<text x="${f(gx + groupWidth * 0.4)}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle">${esc(c)}</text>`)
  })
  out.push(`<line x1="${MARGIN.left}" y1="${f(zero)}" x2="${MARGIN.left + plotWidth}" y2="${f(zero)}" stroke="#333"/>`)
  spec.series.forEach((s, i) => {
    const x = MARGIN.left + (i % 3) * (plotWidth / 3)
    const y = MARGIN.top + plotHeight + MARGIN.bottom + Math.floor(i / 3) * LEGEND_ROW
    out.push(`<rect x="${x}" y="${y - 10}" width="14" height="10" fill="${s.color ?? PALETTE[i % PALETTE.length]}"/>`)
    out.push(`<text x="${x + 20}" y="${y}">${esc(s.name)}</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}

function open(width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">\n<rect width="${width}" height="${height}" fill="#fafafa"/>`
}

function title(text: string, subtitle: string, width: number): string {
  return `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(text)}</text>\n<text x="${width / 2}" y="40" text-anchor="middle" font-size="11" fill="#555">${esc(subtitle)}</text>`
}

function ok(v: number, log: boolean | undefined): boolean {
  return Number.isFinite(v) && (log !== true || v > 0)
}

function pushFinite(xs: number[], ys: number[], x: number, y: number, spec: LineChartSpec): void {
  if (ok(x, spec.xLog)) xs.push(x)
  if (ok(y, spec.yLog)) ys.push(y)
}

function extent(values: readonly number[], log: boolean, padZero = false): [number, number] {
  if (values.length === 0) return log ? [1, 10] : [0, 1]
  let lo = Math.min(...values)
  let hi = Math.max(...values)
  if (log) return [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi === lo ? hi * 10 : hi))]
  if (lo === hi) {
    lo -= Math.abs(lo) * 0.1 + 1
    hi += Math.abs(hi) * 0.1 + 1
  }
  const pad = (hi - lo) * 0.05
  if (!(padZero && lo >= 0 && lo - pad < 0)) lo -= pad
  hi += pad
  const step = niceStep((hi - lo) / 6)
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step]
}

function scaler([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number], log: boolean): (v: number) => number {
  if (log) {
    const l0 = Math.log10(d0)
    const l1 = Math.log10(d1)
    return (v) => r0 + ((Math.log10(v) - l0) / (l1 - l0)) * (r1 - r0)
  }
  return (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0)
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw))
  const m = raw / p
  return (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p
}

function ticks([lo, hi]: readonly [number, number], log: boolean): number[] {
  const out: number[] = []
  if (log) {
    const decades = Math.log10(hi / lo)
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of decades <= 2 ? [1, 2, 5] : [1]) {
        const v = m * 10 ** e
        if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v)
      }
    }
    return out
  }
  const step = niceStep((hi - lo) / 6)
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v)
  return out
}

/** 0.001234 -> 0.0012, 12345 -> 12.3k */
export function compact(v: number): string {
  const a = Math.abs(v)
  if (a === 0) return '0'
  if (a >= 1e9) return `${trim(v / 1e9)}G`
  if (a >= 1e6) return `${trim(v / 1e6)}M`
  if (a >= 1e4) return `${trim(v / 1e3)}k`
  if (a >= 1) return trim(v)
  return String(Number(v.toPrecision(2)))
}

function trim(v: number): string {
  return String(Number(v.toPrecision(3)))
}

function f(v: number): string {
  return (Math.round(v * 10) / 10).toString()
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
