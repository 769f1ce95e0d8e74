/** How commands report a refused command line: the command's name, the message, where to look. */
import { ConfigError } from '../config/errors.js'

export const USAGE_EXIT = 2

export function reportUsage(command: string, err: unknown, write: (text: string) => void = (t) => process.stderr.write(t)): number {
  if (!(err instanceof ConfigError)) throw err
  write(`hashcoop ${command}: ${err.message}\nRun 'hashcoop ${command} --help' for the options.\n`)
  return USAGE_EXIT
}
