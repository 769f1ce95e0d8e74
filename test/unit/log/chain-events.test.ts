import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { classifyTip, watchTip } from '../../../src/log/chain-events.js'
import type { CoopLogger, LogFields } from '../../../src/coop/log.js'
import { MemoryView } from '../../../src/sharechain/memory-view.js'
import { KEY } from '../../../src/sharechain/view.js'

/** A view holding only what classifyTip reads: share!id -> { parent }. */
async function viewOf(parents: Record<string, string | null>): Promise<MemoryView> {
  const view = new MemoryView()
  const batch = view.batch()
  for (const [id, parent] of Object.entries(parents)) await batch.put(KEY.share(id), { parent })
  await batch.flush()
  return view
}

//   g - a1 - a2 - a3            (the old branch)
//     \ b1 - b2 - b3 - b4       (a heavier branch that replaces it)
const TREE = { g: null, a1: 'g', a2: 'a1', a3: 'a2', b1: 'g', b2: 'b1', b3: 'b2', b4: 'b3' }

describe('classifyTip', () => {
  it('an extension, even by several shares at once, is not a reorg', async () => {
    const view = await viewOf(TREE)
    expect((await classifyTip(view, { id: 'a1', height: 1 }, { id: 'a2', height: 2 })).reorg).toBeNull()
    expect((await classifyTip(view, { id: 'a1', height: 1 }, { id: 'a3', height: 3 })).reorg).toBeNull()
    expect((await classifyTip(view, null, { id: 'a3', height: 3 })).reorg).toBeNull()
  })

  it('a tip off the previous tip is a reorg, with the depth of the abandoned branch', async () => {
    const view = await viewOf(TREE)
    expect((await classifyTip(view, { id: 'a3', height: 3 }, { id: 'b4', height: 4 })).reorg).toEqual({ depth: 3, commonHeight: 0 })
    expect((await classifyTip(view, { id: 'a1', height: 1 }, { id: 'b2', height: 2 })).reorg).toEqual({ depth: 1, commonHeight: 0 })
    // a lower but heavier tip
    expect((await classifyTip(view, { id: 'a3', height: 3 }, { id: 'b2', height: 2 })).reorg).toEqual({ depth: 3, commonHeight: 0 })
  })

  it('watchTip logs a reorg at warn and an extension at debug', async () => {
    const view = await viewOf(TREE)
    const lines: { level: string; msg: string; fields: LogFields }[] = []
    const rec = (level: string) => (fields: LogFields, msg: string) => lines.push({ level, msg, fields })
    const log: CoopLogger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') }
    const source = Object.assign(new EventEmitter(), { view })
    const changes: string[] = []
    const stop = watchTip(source, log, (c) => changes.push(`${c.id}:${c.reorg === null ? 'extend' : `reorg${c.reorg.depth}`}`))
    for (const tip of [{ id: 'a1', height: 1 }, { id: 'a3', height: 3 }, { id: 'b4', height: 4 }]) source.emit('tip', tip)
    await new Promise((r) => setTimeout(r, 50))
    stop()
    source.emit('tip', { id: 'b3', height: 3 })
    await new Promise((r) => setTimeout(r, 20))
    expect(changes).toEqual(['a1:extend', 'a3:extend', 'b4:reorg3'])
    const warns = lines.filter((l) => l.level === 'warn')
    expect(warns).toHaveLength(1)
    expect(warns[0]?.msg).toMatch(/^share-chain reorg: new tip 4 b4 replaces 3 a3 \(3 shares left the best chain\)$/)
    expect(warns[0]?.fields).toMatchObject({ tip: 'b4', replaced: 'a3', depth: 3 })
    expect(lines.filter((l) => l.level === 'debug')).toHaveLength(2)
  })
})
