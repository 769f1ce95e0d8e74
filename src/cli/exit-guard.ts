/**
 * A command must end with its own exit status. A wait that nothing can end (a read of a log block
 * that is not on disk, with no peer to bring it) lets Node's event loop drain, and the process
 * would then exit 0 with no output: for an audit, "clean" to a cron job. This guard turns that
 * into exit 3 with a reason.
 */
export const STALLED_EXIT = 3

export function guardCompletion(command: Promise<number>, stderr: { write(text: string): unknown } = process.stderr): void {
  let settled = false
  const onBeforeExit = (): void => {
    if (settled) return
    settled = true
    stderr.write(
      'hashcoop: the command stopped without a result: it was waiting for data nothing could bring ' +
        '(for a data dir, a block of the log that was never downloaded; try --join to fetch it from peers)\n'
    )
    process.exitCode = STALLED_EXIT
  }
  process.once('beforeExit', onBeforeExit)
  command.then(
    (code) => {
      settled = true
      process.exitCode = code
    },
    (err: unknown) => {
      settled = true
      stderr.write(`hashcoop: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exitCode = 1
    }
  )
}
