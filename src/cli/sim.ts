import { parseArgs } from 'node:util'
import { runScenarios } from '../../sims/runner.js'
import { findScenario, SCENARIOS } from '../../sims/scenarios/index.js'
import { writeReport } from '../../sims/report/write-report.js'
import { registerCommand } from './commands.js'

export const SIM_HELP = `Usage: hashcoop sim SCENARIO [--seed N] [--quick] [--json]
       hashcoop sim all [--seed N] [--quick] [--report] [--out DIR] [--jobs N]

Runs the share-chain simulator (sims/): real consensus code, simulated time and hashrate.
Prints the scenario's tables (markdown), or its result object with --json.

Scenarios:
${SCENARIOS.map((s) => `  ${s.name.padEnd(9)} ${s.summary}`).join('\n')}
  all       every scenario, in report order

Options:
  --seed N      PRNG seed (default: each scenario's own, as in docs/sims.md)
  --quick       small runs (seconds, not minutes); same code paths, rougher numbers
  --json        print the result object as JSON instead of tables
  --report      with 'all': write DIR/sims.md and the charts in DIR/sims/
  --out DIR     where --report writes (default: docs)
  --jobs N      with 'all': scenarios run as N child processes at a time (default: 2)
  -h, --help    show this help`

class UsageError extends Error {}

export interface SimArgs {
  scenario: string
  seed: number | undefined
  quick: boolean
  json: boolean
  report: boolean
  out: string
  jobs: number
  /** Internal (the report's child processes): run part INDEX/COUNT of a scenario that splits. */
  part: { index: number; count: number } | undefined
}

/** Parses sim's arguments; null means --help. */
export function parseSimArgs(argv: string[]): SimArgs | null {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        seed: { type: 'string' },
        quick: { type: 'boolean' },
        json: { type: 'boolean' },
        report: { type: 'boolean' },
        out: { type: 'string' },
        jobs: { type: 'string' },
        part: { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err))
  }
  const { values, positionals } = parsed
  if (values.help === true) return null
  if (positionals.length !== 1) throw new UsageError('name one scenario, or all')
  const scenario = positionals[0] as string
  if (scenario !== 'all' && findScenario(scenario) === undefined) throw new UsageError(`unknown scenario '${scenario}' (one of: ${SCENARIOS.map((s) => s.name).join(', ')}, all)`)
  const report = values.report === true
  if (report && scenario !== 'all') throw new UsageError('--report needs all (the report holds every scenario)')
  if (report && values.json === true) throw new UsageError('--report and --json do not mix')
  return {
    scenario,
    seed: values.seed === undefined ? undefined : integer(values.seed, '--seed', 0, 0xffffffff),
    quick: values.quick === true,
    json: values.json === true,
    report,
    out: values.out ?? 'docs',
    jobs: values.jobs === undefined ? 2 : integer(values.jobs, '--jobs', 1, 8),
    part: values.part === undefined ? undefined : parsePart(values.part, scenario)
  }
}

function parsePart(text: string, scenario: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text)
  if (m === null) throw new UsageError(`--part: expected INDEX/COUNT, got '${text}'`)
  const index = Number(m[1])
  const count = Number(m[2])
  if (count < 1 || index >= count) throw new UsageError('--part: INDEX must be below COUNT')
  if (scenario === 'all' || findScenario(scenario)?.merge === undefined) throw new UsageError(`--part: ${scenario} does not run in parts`)
  return { index, count }
}

function integer(text: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag}: expected a whole number, got '${text}'`)
  const n = Number(text)
  if (n < min || n > max) throw new UsageError(`${flag}: must be ${min}-${max}`)
  return n
}

export async function runSim(argv: string[]): Promise<number> {
  let args: SimArgs | null
  try {
    args = parseSimArgs(argv)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`hashcoop sim: ${err.message}\n${SIM_HELP}\n`)
    return 2
  }
  if (args === null) {
    process.stdout.write(SIM_HELP + '\n')
    return 0
  }
  const names = args.scenario === 'all' ? SCENARIOS.map((s) => s.name) : [args.scenario]
  const part = args.part
  if (part !== undefined) {
    const s = findScenario(args.scenario)
    const result = await s?.run({ seed: args.seed ?? s.defaultSeed, quick: args.quick, part, log: (line) => void process.stderr.write(`${line}\n`) })
    process.stdout.write(JSON.stringify(result) + '\n')
    return 0
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`)
  const t0 = process.hrtime.bigint()
  const entry = process.argv[1]
  const outcomes = await runScenarios({
    names,
    ...(args.seed === undefined ? {} : { seed: args.seed }),
    quick: args.quick,
    jobs: names.length > 1 ? args.jobs : 1,
    log,
    ...(entry === undefined ? {} : { self: { command: process.execPath, args: [...process.execArgv, entry] } })
  })
  const totalSeconds = Number(process.hrtime.bigint() - t0) / 1e9
  if (args.report) {
    const files = writeReport(outcomes, { outDir: args.out, quick: args.quick, jobs: names.length > 1 ? args.jobs : 1, totalSeconds })
    log(`wrote ${files.join(', ')}`)
    log(`report generated in ${totalSeconds.toFixed(0)} s`)
    return 0
  }
  if (args.json) {
    process.stdout.write(JSON.stringify(names.length === 1 ? outcomes[0]?.result : Object.fromEntries(outcomes.map((o) => [o.name, o.result]))) + '\n')
    return 0
  }
  for (const o of outcomes) {
    const s = findScenario(o.name)
    if (s === undefined) continue
    process.stdout.write(`## ${s.title} (seed ${o.seed}, ${o.seconds.toFixed(0)} s)\n\n${s.render(o.result, { seed: o.seed, quick: args.quick }).markdown}\n\n`)
  }
  return 0
}

registerCommand({ name: 'sim', summary: 'run the share-chain simulations (fairness, latency, variance, attacks, scale)', run: runSim })
