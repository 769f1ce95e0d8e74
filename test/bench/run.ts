/**
 * `npm run bench [filter]`: runs every test/bench/*.bench.ts in its own process, one after another
 * (so figures do not disturb each other), and passes their JSON lines through.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('.', import.meta.url))
const filter = process.argv[2] ?? ''
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort()

let failed = 0
for (const file of files) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', dir + file], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 15 * 60_000 })
  if (r.status !== 0) {
    failed++
    process.stderr.write(`bench ${file} failed (exit ${r.status ?? r.signal})\n`)
  }
}
process.exitCode = failed > 0 ? 1 : 0
