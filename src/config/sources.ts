/**
 * Where each option's value comes from: flags > environment (HASHCOOP_*) > JSON config file >
 * defaults. Every value keeps its origin, so a refusal can say which flag, variable or file line
 * to fix, and the effective configuration can be printed with secrets masked.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { ConfigError } from './errors.js'
import { envName, type OptionSpec } from './spec.js'

export type Source = 'flag' | 'env' | 'file' | 'default'

export interface Resolved {
  value: string | boolean | undefined
  source: Source
  /** e.g. "--stratum", "HASHCOOP_STRATUM", "config file /etc/hashcoop.json" */
  origin: string
}

export class ResolvedOptions {
  constructor(
    private readonly specs: readonly OptionSpec[],
    private readonly values: ReadonlyMap<string, Resolved>,
    readonly positionals: readonly string[]
  ) {}

  get(name: string): Resolved {
    const r = this.values.get(name)
    if (r === undefined) throw new Error(`option ${name} is not declared`)
    return r
  }

  string(name: string): string | undefined {
    const v = this.get(name).value
    return typeof v === 'string' ? v : undefined
  }

  flag(name: string): boolean {
    return this.get(name).value === true
  }

  /** Throws the ConfigError for a bad value of `name`, saying where the value came from. */
  fail(name: string, why: string): never {
    const r = this.values.get(name)
    const from = r === undefined || r.source === 'flag' || r.source === 'default' ? '' : ` (from ${r.origin})`
    throw new ConfigError(name, `--${name}: ${why}${from}`)
  }

  /** Runs a parser on a string option; its error becomes a ConfigError naming the option. */
  parse<T>(name: string, parser: (text: string) => T): T | undefined {
    const text = this.string(name)
    if (text === undefined) return undefined
    try {
      return parser(text)
    } catch (err) {
      if (err instanceof ConfigError) throw err
      return this.fail(name, err instanceof Error ? err.message : String(err))
    }
  }

  /** The effective configuration, secrets masked, for a start-up log line. */
  describe(): Record<string, { value: string | boolean; source: Source }> {
    const out: Record<string, { value: string | boolean; source: Source }> = {}
    for (const spec of this.specs) {
      const r = this.values.get(spec.name)
      if (r === undefined || r.value === undefined || spec.name === 'help') continue
      out[spec.name] = { value: spec.secret === true ? '***' : r.value, source: r.source }
    }
    return out
  }
}

const TRUE = new Set(['1', 'true', 'yes', 'on'])
const FALSE = new Set(['0', 'false', 'no', 'off'])

export interface ResolveInput {
  argv: readonly string[]
  env: NodeJS.ProcessEnv
  allowPositionals?: boolean
}

export async function resolveOptions(specs: readonly OptionSpec[], input: ResolveInput): Promise<ResolvedOptions> {
  const flagOptions: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {}
  for (const s of specs) flagOptions[s.name] = { type: s.kind, ...(s.short === undefined ? {} : { short: s.short }), ...(s.repeatable === true ? { multiple: true } : {}) }
  let parsed: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[]; tokens: { kind: string; name?: string }[] }
  try {
    parsed = parseArgs({ args: [...input.argv], options: flagOptions, strict: true, allowPositionals: input.allowPositionals === true, tokens: true }) as typeof parsed
  } catch (err) {
    // parseArgs names the option itself ("Unknown option '--frob'", "Option '--data <value>' argument missing").
    const message = err instanceof Error ? err.message : String(err)
    const named = /'-{1,2}([\w-]+)/.exec(message)?.[1]
    const long = specs.find((s) => s.name === named || s.short === named)?.name ?? named
    throw new ConfigError(long ?? 'arguments', long === undefined ? message : `--${long}: ${message.replace(/\s*\n\s*/g, ' ')}`)
  }

  // parseArgs keeps the last of repeated flags; a repeated flag is more likely a mistake.
  const seen = new Set<string>()
  for (const t of parsed.tokens) {
    if (t.kind !== 'option' || t.name === undefined) continue
    if (seen.has(t.name) && specs.find((s) => s.name === t.name)?.repeatable !== true) throw new ConfigError(t.name, `--${t.name}: given more than once`)
    seen.add(t.name)
  }

  const values = new Map<string, Resolved>()
  const configSpec = specs.find((s) => s.name === 'config')
  const configFlag = parsed.values.config
  const configEnv = input.env[envName('config')]
  const configPath = typeof configFlag === 'string' ? configFlag : configSpec !== undefined && configEnv !== undefined && configEnv !== '' ? configEnv : undefined
  const file = configPath === undefined ? null : await readConfigFile(configPath, specs, typeof configFlag === 'string' ? '--config' : envName('config'))

  for (const spec of specs) {
    const given = parsed.values[spec.name]
    const flag = Array.isArray(given) ? given.join(' ') : given
    if (flag !== undefined) {
      if (typeof flag === 'string' && flag.trim() === '') throw new ConfigError(spec.name, `--${spec.name}: empty value`)
      values.set(spec.name, { value: flag, source: 'flag', origin: `--${spec.name}` })
      continue
    }
    const envKey = envName(spec.name)
    const envText = spec.flagOnly === true ? undefined : input.env[envKey]
    if (envText !== undefined && envText !== '') {
      values.set(spec.name, { value: spec.kind === 'boolean' ? envBoolean(spec.name, envKey, envText) : envText, source: 'env', origin: envKey })
      continue
    }
    const fromFile = file?.values.get(spec.name)
    if (fromFile !== undefined) {
      values.set(spec.name, { value: fromFile, source: 'file', origin: `config file ${file?.path ?? ''}` })
      continue
    }
    values.set(spec.name, { value: spec.kind === 'boolean' ? (spec.default === 'true' ? true : undefined) : spec.default, source: 'default', origin: 'default' })
  }
  return new ResolvedOptions(specs, values, parsed.positionals)
}

function envBoolean(name: string, envKey: string, text: string): boolean {
  const t = text.trim().toLowerCase()
  if (TRUE.has(t)) return true
  if (FALSE.has(t)) return false
  throw new ConfigError(name, `--${name}: ${envKey} must be true or false (or 1/0, yes/no), got ${JSON.stringify(text.slice(0, 40))}`)
}

/** The JSON config file: one object, keys are option names, values strings, numbers or booleans. */
async function readConfigFile(path: string, specs: readonly OptionSpec[], origin: string): Promise<{ path: string; values: Map<string, string | boolean> }> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ConfigError('config', `--config: cannot read ${path} (from ${origin}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new ConfigError('config', `--config: ${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ConfigError('config', `--config: ${path} must hold one JSON object of option names and values`)
  const values = new Map<string, string | boolean>()
  for (const [key, raw] of Object.entries(data as Record<string, unknown>)) {
    const spec = specs.find((s) => s.name === key)
    if (spec === undefined || spec.flagOnly === true || key === 'help') {
      throw new ConfigError(key, `--config: ${path}: unknown option "${key}" (known: ${specs.filter((s) => s.flagOnly !== true && s.name !== 'help').map((s) => s.name).join(', ')})`)
    }
    if (spec.kind === 'boolean') {
      if (typeof raw !== 'boolean') throw new ConfigError(key, `--${key}: must be true or false in ${path}, got ${JSON.stringify(raw)}`)
      values.set(key, raw)
    } else if (typeof raw === 'string' || (typeof raw === 'number' && Number.isFinite(raw))) {
      values.set(key, String(raw))
    } else if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) {
      values.set(key, raw.join(','))
    } else {
      throw new ConfigError(key, `--${key}: must be a string or a number in ${path}, got ${JSON.stringify(raw)?.slice(0, 60)}`)
    }
  }
  return { path, values }
}
