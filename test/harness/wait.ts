/** Polling helpers for integration tests: wait for a condition, never for a fixed time. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Resolves once `cond` holds (checked every 100 ms); throws naming `what` after `timeoutMs`. */
export async function waitFor(what: string, timeoutMs: number, cond: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Temporary directories named `hashcoop-PREFIX-...`, all removed by `removeAll`. */
export function tempDirs(prefix: string): { make(): string; removeAll(): void } {
  const made: string[] = []
  return {
    make() {
      const d = mkdtempSync(join(tmpdir(), `hashcoop-${prefix}-`))
      made.push(d)
      return d
    },
    removeAll() {
      for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true })
    }
  }
}
