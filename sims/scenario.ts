/** The shape every scenario module has: run (deterministic given the options) and render. */
export interface ScenarioOptions {
  seed: number
  /** A small, fast version for tests and smoke runs; same code paths. */
  quick: boolean
  /** Progress lines (stderr in the CLI); never part of a result. */
  log?: (line: string) => void
  /** Run only part `index` of `count` (scenarios that can be split; see Scenario.merge). */
  part?: { index: number; count: number }
}

export interface Chart {
  /** File name under docs/sims/. */
  file: string
  svg: string
}

export interface Rendered {
  /** The scenario's section of docs/sims.md, without its heading. */
  markdown: string
  charts: Chart[]
}

export interface Scenario<R> {
  name: string
  title: string
  summary: string
  defaultSeed: number
  run(options: ScenarioOptions): Promise<R>
  render(result: R, options: ScenarioOptions): Rendered
  /**
   * For scenarios made of independent runs: joins the results of parts 0..count-1 into exactly
   * the result one unsplit run gives, so the report can run the parts in parallel.
   */
  merge?(parts: R[]): R
}
