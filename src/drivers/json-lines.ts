/**
 * Splits a text stream into newline-terminated lines (Stratum V1 framing), with a cap on line
 * length so that a server that never sends a newline cannot grow our memory without bound.
 */
export class LineSplitter {
  private pending = ''
  /** Inside an over-long line: drop text up to its newline. */
  private discarding = false

  /** @param onOverflow called once per line dropped for being longer than maxLineLength */
  constructor(
    private readonly maxLineLength: number,
    private readonly onOverflow: () => void
  ) {}

  /** The complete lines in this chunk (without terminators; blank lines skipped). */
  push(chunk: string): string[] {
    const text = this.pending + chunk
    this.pending = ''
    const lines: string[] = []
    let start = 0
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      const line = text.slice(start, newline).replace(/\r$/, '')
      start = newline + 1
      if (this.discarding) this.discarding = false
      else if (line.length > this.maxLineLength) this.onOverflow()
      else if (line.trim().length > 0) lines.push(line)
    }
    if (this.discarding) return lines
    const rest = text.slice(start)
    if (rest.length > this.maxLineLength) {
      this.onOverflow()
      this.discarding = true
    } else this.pending = rest
    return lines
  }

  reset(): void {
    this.pending = ''
    this.discarding = false
  }
}
