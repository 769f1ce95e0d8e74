/**
 * The demo's log destination: pino writes JSON lines here; the last few become the summary's
 * "recent events" (blocks found, peers joining, reorgs), and, when the output is not a terminal,
 * every line is also echoed as plain text so a log file or a test sees them in order.
 */
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }

export class EventLog {
  private readonly lines: string[] = []

  constructor(
    private readonly keep = 6,
    private readonly echo: ((line: string) => void) | null = null
  ) {}

  /** pino's DestinationStream. */
  write(chunk: string): void {
    for (const raw of chunk.split('\n')) {
      if (raw.trim() === '') continue
      const line = formatLine(raw)
      this.lines.push(line)
      if (this.lines.length > this.keep) this.lines.shift()
      this.echo?.(line)
    }
  }

  get recent(): string[] {
    return [...this.lines]
  }
}

/** "12:04:05 node 1 warn  peer left (1 connected)" from one pino JSON line. */
export function formatLine(raw: string): string {
  let entry: { level?: number; time?: string | number; msg?: string; node?: number; miner?: number }
  try {
    entry = JSON.parse(raw) as typeof entry
  } catch {
    return raw
  }
  const time = entry.time === undefined ? '' : new Date(entry.time).toTimeString().slice(0, 8)
  const who = entry.node !== undefined ? `node ${entry.node}` : entry.miner !== undefined ? `miner ${entry.miner}` : 'demo'
  const level = LEVELS[entry.level ?? 30] ?? 'info'
  return `${time} ${who.padEnd(7)} ${level === 'info' ? '' : level + ': '}${entry.msg ?? ''}`
}
