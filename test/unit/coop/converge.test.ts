import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CoopBase } from '../../../src/coop/base.js'
import { ConvergenceTimeout, waitForConvergence } from '../../../src/coop/converge.js'
import { openCoopStore } from '../../../src/coop/store.js'
import { mineToyShare, toyHandlers, type ToyView } from '../../integration/coop/toy-chain.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

async function founder(): Promise<CoopBase<ToyView>> {
  const dir = await mkdtemp(join(tmpdir(), 'hashcoop-converge-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  const store = await openCoopStore(dir)
  cleanups.push(() => store.close())
  const base = await CoopBase.open<ToyView>({ store: store.store, bootstrapKey: null, ...toyHandlers })
  cleanups.push(() => base.close())
  return base
}

describe('waitForConvergence', () => {
  it('times out, naming the hashes, when nodes never agree', async () => {
    const a = await founder()
    const b = await founder()
    await a.append(mineToyShare('only-a'))
    await expect(waitForConvergence([a, b], { timeoutMs: 200 })).rejects.toThrow(ConvergenceTimeout)
  })

  it('waits for the extra condition too', async () => {
    const a = await founder()
    let calls = 0
    const hash = await waitForConvergence([a], { until: async () => ++calls >= 3, intervalMs: 5 })
    expect(calls).toBe(3)
    expect(hash).toBe(await a.hash())
  })
})
