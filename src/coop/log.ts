// The logging surface coop/ needs. A pino logger satisfies it (`logger.warn(fields, msg)`);
// tests pass a recorder and assert on the messages.

export type LogFields = Record<string, unknown>

export interface CoopLogger {
  debug(fields: LogFields, msg: string): void
  info(fields: LogFields, msg: string): void
  warn(fields: LogFields, msg: string): void
  error(fields: LogFields, msg: string): void
}

export const silentLogger: CoopLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {}
}

/** Short printable form of a key for log lines (first 8 hex digits are enough to tell peers apart). */
export function shortKey(key: Uint8Array | null | undefined): string {
  if (!key) return '(none)'
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex').slice(0, 8)
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
