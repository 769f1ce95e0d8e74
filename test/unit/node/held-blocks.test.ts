// A block found while cut off: its share is held (on disk, across restarts); a plain share is refused.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { headerHash } from '../../../src/bitcoin/header.js'
import { CutOffMonitor } from '../../../src/coop/cut-off.js'
import { silentLogger } from '../../../src/coop/log.js'
import { appendOrHold, blockShareId, HeldBlocks, HELD_BLOCKS_FILE } from '../../../src/node/held-blocks.js'
import { encodeEntry } from '../../../protocol/share.js'
import { minerScript, TestChain } from '../../harness/sharechain.js'
import { mineShare } from '../../harness/sharechain.js'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

async function entries() {
  const chain = await TestChain.create()
  const plain = await mineShare(chain.state, chain.view, minerScript(1))
  const block = await mineShare(chain.state, chain.view, minerScript(2), { headerBits: 0x207fffff, extranonce: new Uint8Array(8).fill(3) })
  return { plain: encodeEntry({ type: 'share', share: plain }), block: encodeEntry({ type: 'share', share: block }), blockId: toHex(headerHash(block.header)) }
}

function cutOffMonitor(): CutOffMonitor {
  return new CutOffMonitor({ writable: () => false, writerPeers: () => 0, baseClosed: () => false, graceMs: 0 })
}

describe('held blocks', () => {
  it('tells a block share from a plain share', async () => {
    const { plain, block, blockId } = await entries()
    expect(blockShareId(plain)).toBeNull()
    expect(blockShareId(block)).toBe(blockId)
    expect(blockShareId(new Uint8Array([1, 2, 3]))).toBeNull()
  })

  it('while cut off: refuses a plain share, holds a block share on disk, and a reopen finds it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hashcoop-held-'))
    dirs.push(dir)
    const { plain, block } = await entries()
    const held = await HeldBlocks.open(dir)
    const reach = cutOffMonitor()
    let appended = 0
    const append = async () => void appended++
    await expect(appendOrHold(reach, held, plain, append, silentLogger)).rejects.toThrow(/cut off from the cooperative/)
    await expect(appendOrHold(reach, held, block, append, silentLogger)).rejects.toThrow(/the block went to bitcoind and its share is held until this node reconnects/)
    expect(appended).toBe(0)
    expect(held.size).toBe(1)
    expect(JSON.parse(await readFile(join(dir, HELD_BLOCKS_FILE), 'utf8'))).toEqual([toHex(block)])
    const reopened = await HeldBlocks.open(dir)
    expect(reopened.list().map(toHex)).toEqual([toHex(block)])
    await reopened.release(reopened.list()[0] as Uint8Array)
    expect((await HeldBlocks.open(dir)).size).toBe(0)
    reach.close()
  })

  it('refuses a corrupt file with a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hashcoop-held-'))
    dirs.push(dir)
    await (await import('node:fs/promises')).writeFile(join(dir, HELD_BLOCKS_FILE), '{"no": 1}')
    await expect(HeldBlocks.open(dir)).rejects.toThrow(/not a list of hex entries/)
  })
})
