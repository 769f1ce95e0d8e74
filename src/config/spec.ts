/**
 * How a command's options are declared: one table per command gives each option's flag, its
 * environment variable, its config-file key, its default and its help line, so the four can never
 * disagree. Names are the flag without dashes: --rpc-password is HASHCOOP_RPC_PASSWORD in the
 * environment and "rpc-password" in the JSON config file.
 */
export interface OptionSpec {
  name: string
  kind: 'string' | 'boolean'
  /** Shown in help after the flag: --stratum HOST:PORT. */
  valueName?: string
  help: string
  /** The default, as text (what help shows and what the parser gets when nothing else is given). */
  default?: string
  /** Help's description of a default that is not one fixed text (e.g. "per network"). */
  defaultText?: string
  /** Never printed or logged (passwords, keys). */
  secret?: boolean
  /** Only settable as a flag (e.g. --config itself). */
  flagOnly?: boolean
  /** May be given more than once (--notify A --notify B); the values reach the parser space-separated. */
  repeatable?: boolean
  short?: string
}

export const ENV_PREFIX = 'HASHCOOP_'

export function envName(option: string): string {
  return ENV_PREFIX + option.toUpperCase().replace(/-/g, '_')
}

/** Help lines for a table: flag, value name, description, default. */
export function optionsHelp(specs: readonly OptionSpec[]): string {
  const left = specs.map((s) => `  ${s.short !== undefined ? `-${s.short}, ` : ''}--${s.name}${s.valueName !== undefined ? ` ${s.valueName}` : ''}`)
  const width = Math.min(34, Math.max(...left.map((l) => l.length)) + 2)
  return specs
    .map((s, i) => {
      const flag = left[i] as string
      const dflt = s.defaultText ?? (s.default !== undefined ? s.default : undefined)
      const text = `${s.help}${dflt !== undefined ? ` (default: ${dflt})` : ''}`
      return flag.length >= width ? `${flag}\n${' '.repeat(width)}${text}` : `${flag.padEnd(width)}${text}`
    })
    .join('\n')
}

export const PRECEDENCE_HELP = `Every option can also come from the environment as HASHCOOP_<NAME> (--rpc-password is
HASHCOOP_RPC_PASSWORD) or from a JSON config file (--config FILE or HASHCOOP_CONFIG) as
{"rpc-password": "...", "stratum": "0.0.0.0:3333", ...}. Precedence: flags > environment > file > defaults.`
