import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeAdminOp, encodeAdminOp } from '../../../src/coop/admin-op.js'
import { CoopBase } from '../../../src/coop/base.js'
import { waitForConvergence } from '../../../src/coop/converge.js'
import { openCoopStore } from '../../../src/coop/store.js'
import {
  adminOutcomes,
  mineToyShare,
  toyHandlers,
  toyLabels,
  wrapToyAdmin,
  type ToyView
} from '../../integration/coop/toy-chain.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

async function node(bootstrapKey: Uint8Array | null): Promise<CoopBase<ToyView>> {
  const dir = await mkdtemp(join(tmpdir(), 'hashcoop-admin-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  const store = await openCoopStore(dir)
  cleanups.push(() => store.close())
  const base = await CoopBase.open({ store: store.store, bootstrapKey, ...toyHandlers })
  cleanups.push(() => base.close())
  return base
}

/** Replicate two bases over an in-memory stream pair (no network). */
function link(a: CoopBase<ToyView>, b: CoopBase<ToyView>): void {
  const s1 = a.autobase.replicate(true)
  const s2 = b.autobase.replicate(false)
  s1.pipe(s2).pipe(s1)
  s1.on('error', () => {})
  s2.on('error', () => {})
}

const key = (n: number) => new Uint8Array(32).fill(n)

describe('admin op payload', () => {
  it('round-trips every kind', () => {
    for (const kind of ['add-writer', 'add-indexer', 'remove-writer'] as const) {
      expect(decodeAdminOp(encodeAdminOp({ kind, key: key(7) }))).toEqual({ kind, key: key(7) })
    }
  })

  it('rejects malformed payloads with null, not a throw', () => {
    const good = encodeAdminOp({ kind: 'add-writer', key: key(1) })
    expect(decodeAdminOp(good.subarray(0, 33))).toBeNull()
    expect(decodeAdminOp(new Uint8Array([...good, 0]))).toBeNull()
    expect(decodeAdminOp(new Uint8Array([2, ...good.subarray(1)]))).toBeNull()
    expect(decodeAdminOp(new Uint8Array([1, 9, ...key(1)]))).toBeNull()
    expect(decodeAdminOp(new Uint8Array(0))).toBeNull()
  })
})

describe('applyAdminOp on a real Autobase', () => {
  it('lets only active indexers change membership', async () => {
    adminOutcomes.length = 0
    const founder = await node(null)
    const b = await node(founder.key)
    const c = await node(founder.key)
    link(founder, b)
    link(founder, c)
    link(b, c)
    const all = [founder, b, c]

    expect(founder.isIndexer).toBe(true)
    expect(b.writable).toBe(false)

    // The last indexer cannot remove itself.
    await founder.removeWriter(founder.localKey)
    await waitForConvergence(all, { until: async () => adminOutcomes.length >= 1 })
    expect(adminOutcomes.at(-1)).toMatchObject({ applied: false, reason: 'last-indexer' })
    expect(founder.isIndexer).toBe(true)

    // A non-member's admin op (it can only append optimistically) is refused and not kept.
    await b.autobase.append(wrapToyAdmin(encodeAdminOp({ kind: 'add-writer', key: b.localKey })), { optimistic: true })
    await b.appendOptimistic(mineToyShare('after-optimistic-admin'))
    await waitForConvergence(all, { until: async () => (await toyLabels(founder.view)).includes('after-optimistic-admin') })
    expect(adminOutcomes.some((o) => !o.applied && o.reason === 'unauthorized' && o.detail === 'author is not a member')).toBe(true)
    expect(b.writable).toBe(false)

    // The founder adds b as a plain writer.
    await founder.addWriter(b.localKey)
    await b.waitForWritable()
    expect(b.isIndexer).toBe(false)

    // A plain writer cannot add anyone (bypassing CoopBase's own check to reach apply).
    await expect(b.addWriter(c.localKey)).rejects.toThrow('only an indexer can add-writer')
    await b.append(wrapToyAdmin(encodeAdminOp({ kind: 'add-writer', key: c.localKey })))
    await b.append(mineToyShare('b-writer-share'))
    await waitForConvergence(all, { until: async () => (await toyLabels(c.view)).includes('b-writer-share') })
    expect(adminOutcomes.some((o) => !o.applied && o.detail === 'author is a writer, not an indexer')).toBe(true)
    expect(c.writable).toBe(false)

    // Promoted to indexer, b can add c.
    await founder.addIndexer(b.localKey)
    await waitForConvergence(all, { until: async () => b.isIndexer })
    await b.addWriter(c.localKey)
    await c.waitForWritable()

    // And remove it again.
    await founder.removeWriter(c.localKey)
    await waitForConvergence(all, { until: async () => !c.writable })
    await expect(c.append(mineToyShare('late'))).rejects.toThrow('not a writer')
  })
})
