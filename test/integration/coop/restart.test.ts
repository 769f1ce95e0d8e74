// Restarts: same data dir -> same writer key, same view; kill -9 loses nothing acknowledged.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoopBase } from '../../../src/coop/base.js'
import { waitForConvergence } from '../../../src/coop/converge.js'
import { openCoopStore } from '../../../src/coop/store.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { createdDirs, newConsensusId, removeCreatedDirs, startNode } from './node.js'
import { mineToyShare, toyHandlers, toyLabels, type ToyView } from './toy-chain.js'

const CHILD = fileURLToPath(new URL('./fixtures/append-child.ts', import.meta.url))

let dht: LocalDht
beforeAll(async () => {
  dht = await startLocalDht()
})
afterAll(async () => {
  await dht?.stop()
  await removeCreatedDirs()
})

const hex = (k: Uint8Array) => Buffer.from(k).toString('hex')

describe('restart', () => {
  it('resumes a founder and a writer on their data dirs with the same keys and view', async () => {
    const consensusId = newConsensusId()
    let founder = await startNode({ name: 'founder', bootstrapKey: null, consensusId, dht: dht.choice() })
    let writer = await startNode({ name: 'writer', bootstrapKey: founder.base.key, consensusId, dht: dht.choice() })
    const baseKey = hex(founder.base.key)
    const founderLocal = hex(founder.base.localKey)
    const writerLocal = hex(writer.base.localKey)
    await founder.base.addWriter(writer.base.localKey)
    await writer.base.waitForWritable()
    await founder.base.append(mineToyShare('f-before'))
    await writer.base.append(mineToyShare('w-before'))
    const hashBefore = await waitForConvergence([founder.base, writer.base], {
      until: async () => (await writer.labels()).length === 2 && (await founder.labels()).length === 2
    })

    // Both stop; the founder comes back first (bootstrap null reopens what it founded).
    await writer.stop()
    await founder.stop()
    founder = await startNode({ name: 'founder', bootstrapKey: null, consensusId, dht: dht.choice(), dataDir: founder.dataDir })
    expect(hex(founder.base.key)).toBe(baseKey)
    expect(hex(founder.base.localKey)).toBe(founderLocal)
    expect(founder.base.isIndexer).toBe(true)
    expect(await founder.labels()).toEqual(['f-before', 'w-before'])
    expect(await founder.base.hash()).toBe(hashBefore)

    // The founder moves on while the writer is down; the writer resumes as the same writer.
    await founder.base.append(mineToyShare('f-while-down'))
    writer = await startNode({ name: 'writer', bootstrapKey: founder.base.key, consensusId, dht: dht.choice(), dataDir: writer.dataDir })
    expect(hex(writer.base.localKey)).toBe(writerLocal)
    expect(writer.base.writable).toBe(true)
    await writer.base.append(mineToyShare('w-after'))
    await waitForConvergence([founder.base, writer.base], {
      until: async () => (await founder.labels()).length === 4 && (await writer.labels()).length === 4
    })
    expect(await writer.labels()).toEqual(['f-before', 'f-while-down', 'w-after', 'w-before'])
    await writer.stop()
    await founder.stop()
  })

  it('refuses a data dir that holds another cooperative (founder and joiner dirs)', async () => {
    const consensusId = newConsensusId()
    const a = await startNode({ name: 'a', bootstrapKey: null, consensusId, dht: dht.choice() })
    const joiner = await startNode({ name: 'joiner', bootstrapKey: a.base.key, consensusId, dht: dht.choice() })
    const b = await startNode({ name: 'b', bootstrapKey: null, consensusId, dht: dht.choice() })
    const otherKey = b.base.key
    for (const n of [b, joiner, a]) await n.stop()
    for (const dir of [a.dataDir, joiner.dataDir]) {
      const store = await openCoopStore(dir)
      try {
        await expect(CoopBase.open({ store: store.store, bootstrapKey: otherKey, ...toyHandlers })).rejects.toThrow(
          `this data dir holds cooperative ${hex(a.base.key).slice(0, 8)}, not ${hex(otherKey).slice(0, 8)}: use another data dir`
        )
        // Refusing left the dir intact: it still opens as its own cooperative.
        const again = await CoopBase.open({ store: store.store, bootstrapKey: a.base.key, ...toyHandlers })
        expect(hex(again.key)).toBe(hex(a.base.key))
        await again.close()
      } finally {
        await store.close()
      }
    }
  })

  it('loses nothing acknowledged when the process is killed -9 mid-append', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hashcoop-kill-'))
    createdDirs.push(dataDir)
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, 'k'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = once(child, 'exit')
    try {
      // Kill while appends are in full flow: after a number of acknowledged ones, no pause.
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString()
          if ((stdout.match(/^appended /gm) ?? []).length >= 60) {
            child.kill('SIGKILL')
            resolve()
          }
        })
        child.on('exit', (code) => reject(new Error(`child exited on its own (${String(code)}): ${stderr}`)))
      })
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    }
    expect(child.signalCode).toBe('SIGKILL')

    const baseKey = /^key ([0-9a-f]{64})$/m.exec(stdout)?.[1]
    // Only complete lines count: a line cut by the kill was not acknowledged to anyone.
    const acknowledged = [...stdout.matchAll(/^appended (k-\d{6})\n/gm)].map((m) => m[1] as string)
    expect(baseKey).toBeDefined()
    expect(acknowledged.length).toBeGreaterThanOrEqual(60)

    const store = await openCoopStore(dataDir)
    const base = await CoopBase.open<ToyView>({ store: store.store, bootstrapKey: null, ...toyHandlers })
    try {
      expect(hex(base.key)).toBe(baseKey)
      await base.update()
      const labels = new Set(await toyLabels(base.view))
      const lost = acknowledged.filter((l) => !labels.has(l))
      expect(lost).toEqual([])
      // Still a working writer after the crash.
      await base.append(mineToyShare('after-crash'))
      expect(await toyLabels(base.view)).toContain('after-crash')
    } finally {
      await base.close()
      await store.close()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
