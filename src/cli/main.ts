import { VERSION } from '../version.js'
import { commands } from './commands.js'
import './register.js'

export const USAGE = `hashcoop ${VERSION}: a decentralized micro-pool coordinator for Bitcoin mining

Usage: hashcoop <command> [options]

Commands:
{{commands}}

Options:
  -h, --help       show this help (or a command's help: hashcoop <command> --help)
  -v, --version    print the version

Docs: README.md and docs/ in the package.`

export function usage(): string {
  const width = Math.max(8, ...commands.map((c) => c.name.length))
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`)
  return USAGE.replace('{{commands}}', lines.length > 0 ? lines.join('\n') : '  (none yet)')
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    process.stdout.write(usage() + '\n')
    return first === undefined ? 1 : 0
  }
  if (first === '-v' || first === '--version') {
    process.stdout.write(VERSION + '\n')
    return 0
  }
  const command = commands.find((c) => c.name === first)
  if (command === undefined) {
    process.stderr.write(`hashcoop: unknown command '${first}'. Run 'hashcoop --help' for the list.\n`)
    return 2
  }
  return command.run(rest)
}
