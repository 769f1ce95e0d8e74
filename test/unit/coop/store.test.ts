import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { DataDirLockedError, openCoopStore, type CoopStore } from '../../../src/coop/store.js'

const HOLDER = fileURLToPath(new URL('./fixtures/hold-store.ts', import.meta.url))

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hashcoop-store-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function track(s: CoopStore): Promise<CoopStore> {
  cleanups.push(() => s.close())
  return s
}

/** Start a child that opens dataDir and holds it; resolves once it reports the store open. */
async function startHolder(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await once(child, 'exit')
    }
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  let stdout = ''
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (stdout.includes('opened\n')) resolve()
    })
    child.on('exit', (code) => reject(new Error(`holder exited early (${String(code)}): ${stderr}`)))
  })
  return child
}

describe('openCoopStore', () => {
  it('opens, writes its pid, and reopens after close', async () => {
    const dir = await tempDir()
    const first = await openCoopStore(dir)
    expect((await readFile(join(dir, 'hashcoop.pid'), 'utf8')).trim()).toBe(String(process.pid))
    const core = first.store.get({ name: 'probe' })
    await core.append(new TextEncoder().encode('kept'))
    await first.close()

    const second = await track(await openCoopStore(dir))
    const again = second.store.get({ name: 'probe' })
    await again.ready()
    expect(again.length).toBe(1)
  })

  it('refuses a second open of the same data dir in this process', async () => {
    const dir = await tempDir()
    await track(await openCoopStore(dir))
    await expect(openCoopStore(dir)).rejects.toThrow(
      `already running (data dir ${dir} is locked by pid ${process.pid})`
    )
  })

  it('refuses while another process holds the dir, and recovers after that process is killed', async () => {
    const dir = await tempDir()
    const child = await startHolder(dir)

    const err: unknown = await openCoopStore(dir).then(
      () => null,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(DataDirLockedError)
    expect((err as Error).message).toBe(`already running (data dir ${dir} is locked by pid ${String(child.pid)})`)

    // kill -9 leaves its pid file behind: the stale lock must not stop the next start.
    child.kill('SIGKILL')
    await once(child, 'exit')
    expect((await readFile(join(dir, 'hashcoop.pid'), 'utf8')).trim()).toBe(String(child.pid))

    await track(await openCoopStore(dir))
    expect((await readFile(join(dir, 'hashcoop.pid'), 'utf8')).trim()).toBe(String(process.pid))
  })
})
