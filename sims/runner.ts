import { spawn } from 'node:child_process'
import { findScenario } from './scenarios/index.js'

/**
 * Runs scenarios, in this process one after another, or as child processes `jobs` at a time (each
 * child is the CLI itself: `sim NAME --seed N --json`, its result read back from stdout). Results
 * are plain JSON, so a result from a child is the same object the scenario returned.
 */
export interface ScenarioOutcome {
  name: string
  seed: number
  result: unknown
  /** Wall-clock seconds the scenario took (summed over its parts when it ran in parallel parts). */
  seconds: number
}

export interface RunnerOptions {
  names: readonly string[]
  /** One seed for every scenario; otherwise each scenario's default seed. */
  seed?: number
  quick: boolean
  jobs: number
  log: (line: string) => void
  /** How to start the CLI again in a child process (node, its flags, the entry script). */
  self?: { command: string; args: readonly string[] }
}

export async function runScenarios(o: RunnerOptions): Promise<ScenarioOutcome[]> {
  const seedOf = (name: string): number => o.seed ?? scenario(name).defaultSeed
  if (o.jobs <= 1 || o.self === undefined) {
    const out: ScenarioOutcome[] = []
    for (const name of o.names) {
      const t0 = process.hrtime.bigint()
      const result = await scenario(name).run({ seed: seedOf(name), quick: o.quick, log: o.log })
      out.push({ name, seed: seedOf(name), result, seconds: Number(process.hrtime.bigint() - t0) / 1e9 })
    }
    return out
  }
  const self = o.self
  // Scenarios made of independent runs are split into `jobs` parts; the longest tasks go first.
  const tasks = o.names.flatMap((name) => {
    const count = scenario(name).merge === undefined ? 1 : o.jobs
    return Array.from({ length: count }, (_, index) => ({ name, index, count, cost: (COST[name] ?? 1) / count }))
  })
  tasks.sort((a, b) => b.cost - a.cost)
  const done = new Map<string, { result: unknown; seconds: number }[]>()
  let next = 0
  const worker = async (): Promise<void> => {
    for (let task = tasks[next++]; task !== undefined; task = tasks[next++]) {
      const part = task.count > 1 ? ['--part', `${task.index}/${task.count}`] : []
      const args = [...self.args, 'sim', task.name, '--seed', String(seedOf(task.name)), '--json', ...(o.quick ? ['--quick'] : []), ...part]
      const t0 = process.hrtime.bigint()
      const result = JSON.parse(await runChild(self.command, args)) as unknown
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9
      const parts = done.get(task.name) ?? []
      parts[task.index] = { result, seconds }
      done.set(task.name, parts)
      o.log(`${task.name}${task.count > 1 ? ` part ${task.index + 1}/${task.count}` : ''}: done in ${seconds.toFixed(0)} s`)
    }
  }
  await Promise.all(Array.from({ length: Math.min(o.jobs, tasks.length) }, worker))
  return o.names.map((name) => {
    const parts = done.get(name) ?? []
    const merge = scenario(name).merge
    const result = parts.length === 1 || merge === undefined ? parts[0]?.result : merge(parts.map((p) => p.result))
    return { name, seed: seedOf(name), result, seconds: parts.reduce((s, p) => s + p.seconds, 0) }
  })
}

/** Rough relative cost, for scheduling only. */
const COST: Record<string, number> = { latency: 6, fairness: 2, attacks: 2, timewarp: 2, scale: 1.2, variance: 1 }

function scenario(name: string) {
  const s = findScenario(name)
  if (s === undefined) throw new Error(`unknown scenario '${name}'`)
  return s
}

function runChild(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    const chunks: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => chunks.push(c))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`${args.slice(-6).join(' ')} exited with ${code}`))))
  })
}
