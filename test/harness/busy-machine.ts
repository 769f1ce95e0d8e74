/**
 * `npm run test:busy [-- vitest args]`: the suite while every core is busy with another process,
 * as on a shared CI machine (issue 17: a test that fails when the machine is busy will fail a CI
 * run some day). One spinning process per core, at normal priority, for as long as the tests run.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { availableParallelism } from 'node:os'

const spinners: ChildProcess[] = []
for (let i = 0; i < availableParallelism(); i++) {
  spinners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
}
process.stderr.write(`[busy-machine] ${spinners.length} spinning processes beside the tests\n`)

const stopSpinners = (): void => {
  for (const s of spinners) s.kill('SIGKILL')
}
process.on('exit', stopSpinners)
process.on('SIGINT', () => process.exit(130))
process.on('SIGTERM', () => process.exit(143))

const tests = spawn('npx', ['vitest', 'run', ...process.argv.slice(2)], { stdio: 'inherit' })
tests.on('exit', (code, signal) => {
  stopSpinners()
  process.exit(code ?? (signal === null ? 1 : 128))
})
