/**
 * Stop signals for long-running commands. The first SIGINT/SIGTERM asks for a clean stop; a
 * second one while stopping means "now": the process exits at once with 130 (128 + SIGINT).
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', first)
      process.off('SIGTERM', first)
      const again = (): void => {
        process.stderr.write('\nstopping at once\n')
        process.exit(130)
      }
      process.once('SIGINT', again)
      process.once('SIGTERM', again)
      resolve(signal)
    }
    process.on('SIGINT', first)
    process.on('SIGTERM', first)
  })
}

/**
 * After a clean stop, a library that left a timer or socket behind must not keep the process
 * alive: exit with the code already set if the event loop has not drained by itself by then.
 */
export function exitSoonAfterStop(graceMs = 3000): void {
  setTimeout(() => process.exit(), graceMs).unref()
}
