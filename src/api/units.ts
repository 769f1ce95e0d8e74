/**
 * Numbers as people read them: hashrates in SI steps of 1000 from H/s to ZH/s, bitcoin amounts
 * with eight decimals. The server formats everything the dashboard shows, so there is one
 * implementation and it is tested here, not re-written in the page's script.
 */

export const HASHRATE_UNITS = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s', 'EH/s', 'ZH/s'] as const

/**
 * Three significant figures: "1.23 kH/s", "12.3 MH/s", "123 GH/s". The unit is picked after
 * rounding, so 999.6 H/s reads "1.00 kH/s", never "1000 H/s". Past ZH/s the number just grows.
 */
export function formatHashrate(hashesPerSecond: number): string {
  if (!Number.isFinite(hashesPerSecond) || hashesPerSecond < 0) return 'n/a'
  if (hashesPerSecond === 0) return '0 H/s'
  const last = HASHRATE_UNITS.length - 1
  let unit = 0
  let value = hashesPerSecond
  while (value >= 1000 && unit < last) {
    value /= 1000
    unit++
  }
  let rounded = Number(value.toPrecision(3))
  if (rounded >= 1000 && unit < last) {
    unit++
    rounded = Number((value / 1000).toPrecision(3))
  }
  const decimals = rounded >= 100 ? 0 : rounded >= 10 ? 1 : 2
  return `${rounded.toFixed(decimals)} ${HASHRATE_UNITS[unit] as string}`
}

const SATS_PER_BTC = 100_000_000n

/** Satoshis as BTC with all eight decimals: 1250000000 -> "12.50000000". */
export function formatBtc(sats: bigint | number | string): string {
  const value = typeof sats === 'bigint' ? sats : BigInt(sats)
  const negative = value < 0n
  const abs = negative ? -value : value
  const whole = abs / SATS_PER_BTC
  const fraction = (abs % SATS_PER_BTC).toString().padStart(8, '0')
  return `${negative ? '-' : ''}${whole}.${fraction}`
}

/** A share of a whole in percent with two decimals, from integers (no float drift on big sums). */
export function percent(part: bigint, whole: bigint): number {
  if (whole <= 0n) return 0
  return Number((part * 10_000n) / whole) / 100
}

/** Seconds as "1h 02m", "3m 05s", "42s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const r = s % 60
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`
  if (m > 0) return `${m}m ${String(r).padStart(2, '0')}s`
  return `${r}s`
}
