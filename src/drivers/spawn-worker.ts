import { Worker, type WorkerOptions } from 'node:worker_threads'

/**
 * Starts a worker thread from a module next to the caller, whether the caller runs from compiled
 * dist/ (.js) or from TypeScript source under vitest or tsx (.ts).
 *
 * Why not `execArgv: ['--import', 'tsx']` for the .ts case: on Node 20 a worker resolves its entry
 * before the hooks that --import registers apply, and fails with ERR_UNKNOWN_FILE_EXTENSION
 * (checked on Node 20.20). An eval'd bootstrap that registers tsx's hooks itself and only then
 * imports the .ts module works. tsx is resolved here, in the parent, so the bootstrap needs no
 * module resolution of its own (an eval'd worker would resolve from the current directory).
 * Only the source case needs tsx, a dev dependency; dist/ loads the .js module directly.
 *
 * @param moduleBase the caller's import.meta.url
 * @param name the module's file name without extension, e.g. 'cpu-worker'
 */
export function spawnSiblingWorker(moduleBase: string, name: string, options: WorkerOptions): Worker {
  const fromSource = new URL(moduleBase).pathname.endsWith('.ts')
  const entry = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, moduleBase)
  if (!fromSource) return new Worker(entry, { ...options, execArgv: [] })
  return new Worker(tsxBootstrap(entry.href), { ...options, eval: true, execArgv: [] })
}

function tsxBootstrap(entryUrl: string): string {
  let tsxApi: string
  try {
    tsxApi = import.meta.resolve('tsx/esm/api')
  } catch {
    throw new Error('running the CPU driver from TypeScript source needs tsx (a dev dependency); run the compiled dist/ build instead')
  }
  // Runs as a CommonJS script inside the worker; both imports are absolute file URLs.
  return `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entryUrl)}) })`
}
