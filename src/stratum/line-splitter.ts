/**
 * Splits a TCP byte stream into newline-terminated lines, refusing to buffer a line longer than the
 * limit (a peer that never sends a newline must not grow our memory). A trailing \r is dropped and
 * does not count; blank lines are skipped.
 */
const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

export class LineSplitter {
  private pending: Buffer | null = null
  private tooLong = false

  constructor(private readonly maxLineBytes: number) {}

  /** True once a line went over the limit; the stream is unusable from then on. */
  get overflowed(): boolean {
    return this.tooLong
  }

  /**
   * Feeds a chunk; calls onLine for each complete line until onLine returns false. Returns false
   * when processing stopped (overflow, or the consumer asked to stop).
   */
  push(chunk: Buffer, onLine: (line: string) => boolean): boolean {
    if (this.tooLong) return false
    let data = chunk
    if (this.pending !== null) {
      data = Buffer.concat([this.pending, chunk])
      this.pending = null
    }
    let start = 0
    for (let end = data.indexOf(NEWLINE); end !== -1; end = data.indexOf(NEWLINE, start)) {
      const stop = end > start && data[end - 1] === CARRIAGE_RETURN ? end - 1 : end
      if (stop - start > this.maxLineBytes) return this.overflow()
      const line = data.toString('utf8', start, stop)
      start = end + 1
      if (line.trim().length > 0 && !onLine(line)) return false
    }
    // An unterminated tail may still end in the \r of a line of exactly the maximum length.
    if (data.length - start > this.maxLineBytes + 1) return this.overflow()
    if (start < data.length) this.pending = Buffer.from(data.subarray(start)) // copy: chunks are pooled
    return true
  }

  private overflow(): false {
    this.tooLong = true
    this.pending = null
    return false
  }
}
