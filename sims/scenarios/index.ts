import type { Rendered, Scenario, ScenarioOptions } from '../scenario.js'
import { attacks } from './attacks.js'
import { fairness } from './fairness.js'
import { latency } from './latency.js'
import { scale } from './scale.js'
import { timewarp } from './timewarp.js'
import { variance } from './variance.js'

/** A scenario with its result type erased, so the CLI and the report can hold them in one list. */
export interface RegisteredScenario {
  name: string
  title: string
  summary: string
  defaultSeed: number
  run(options: ScenarioOptions): Promise<unknown>
  /** `result` must be what this scenario's run returned (or its JSON round trip). */
  render(result: unknown, options: ScenarioOptions): Rendered
  /** Present when the scenario can run in parts (Scenario.merge). */
  merge?: (parts: unknown[]) => unknown
}

function register<R>(s: Scenario<R>): RegisteredScenario {
  const merge = s.merge
  return {
    name: s.name,
    title: s.title,
    summary: s.summary,
    defaultSeed: s.defaultSeed,
    run: (o) => s.run(o),
    render: (r, o) => s.render(r as R, o),
    ...(merge === undefined ? {} : { merge: (parts: unknown[]) => merge.call(s, parts as R[]) })
  }
}

/** In report order. */
export const SCENARIOS: readonly RegisteredScenario[] = [register(fairness), register(latency), register(variance), register(attacks), register(timewarp), register(scale)]

export function findScenario(name: string): RegisteredScenario | undefined {
  return SCENARIOS.find((s) => s.name === name)
}
