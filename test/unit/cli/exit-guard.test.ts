/**
 * Issue 16 (4): a command whose wait can never end must not exit 0 in silence.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const GUARD = fileURLToPath(new URL('../../../src/cli/exit-guard.ts', import.meta.url))

async function run(body: string): Promise<{ code: number | null; stderr: string }> {
  const code = `import { guardCompletion } from ${JSON.stringify(GUARD)}; ${body}`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const [exit] = (await once(child, 'exit')) as [number | null]
  return { code: exit, stderr }
}

describe('guardCompletion', () => {
  it('turns a wait nothing can end into exit 3 with a reason', async () => {
    const { code, stderr } = await run('guardCompletion(new Promise(() => {}))')
    expect(code).toBe(3)
    expect(stderr).toContain('stopped without a result')
  }, 30_000)

  it("keeps a command's own status", async () => {
    expect((await run('guardCompletion(Promise.resolve(1))')).code).toBe(1)
    expect((await run('guardCompletion(new Promise((r) => setTimeout(() => r(0), 50)))')).code).toBe(0)
  }, 30_000)
})
