/**
 * The command table. Each command owns its own flag parsing (node:util parseArgs) and help text;
 * this file only lists them, so adding a command is one import and one line.
 */
export interface Command {
  name: string
  summary: string
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>
}

export const commands: Command[] = []

export function registerCommand(command: Command): void {
  if (commands.some((c) => c.name === command.name)) throw new Error(`command registered twice: ${command.name}`)
  commands.push(command)
}
