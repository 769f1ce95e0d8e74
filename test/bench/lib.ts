/**
 * Benchmark helpers. Each figure is one JSON line on stdout: {"name","value","unit"} plus optional
 * context (baseline, goal, parameters). Benchmarks are never part of `npm test`.
 */
export interface Figure {
  name: string
  value: number
  unit: string
  [extra: string]: unknown
}

export function emit(figure: Figure): void {
  const value = Number.isFinite(figure.value) ? Number(figure.value.toPrecision(6)) : figure.value
  process.stdout.write(JSON.stringify({ ...figure, value }) + '\n')
}

/** Runs fn repeatedly for about `ms` milliseconds and returns operations per second. */
export function opsPerSecond(fn: () => void, ms = 1000, batch = 100): number {
  for (let i = 0; i < batch; i++) fn() // warm up
  let ops = 0
  const start = process.hrtime.bigint()
  const budget = BigInt(ms) * 1_000_000n
  let elapsed = 0n
  while (elapsed < budget) {
    for (let i = 0; i < batch; i++) fn()
    ops += batch
    elapsed = process.hrtime.bigint() - start
  }
  return ops / (Number(elapsed) / 1e9)
}

/** Median wall time of fn in milliseconds over `runs` runs. */
export function medianMs(fn: () => void, runs = 11): number {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    fn()
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] as number
}
