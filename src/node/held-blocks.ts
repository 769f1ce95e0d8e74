import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../fs/write-atomic.js'
import { join } from 'node:path'
import { fromHex, toHex } from '../bitcoin/bytes.js'
import { headerHash } from '../bitcoin/header.js'
import { bitsToTarget, hashToBigInt } from '../bitcoin/target.js'
import { decodeEntry } from '../../protocol/share.js'
import { CutOffError, type CutOffMonitor } from '../coop/cut-off.js'
import type { CoopLogger } from '../coop/log.js'

/**
 * Shares that were Bitcoin blocks, found while the node was cut off from the cooperative
 * (src/coop/cut-off.ts). The block went to bitcoind at once, paying the split at the tip the node
 * knew; its share waits here (`held-blocks.json` in the data dir, so a restart keeps it) until
 * the node reaches the log again, then it is appended or relayed so the finder is credited where
 * the rules allow (protocol/COOP.md §Cut off).
 */
export const HELD_BLOCKS_FILE = 'held-blocks.json'

/** The share entry's id if its header meets its own Bitcoin target (a block), else null. */
export function blockShareId(entry: Uint8Array): string | null {
  let decoded
  try {
    decoded = decodeEntry(entry)
  } catch {
    return null
  }
  if (decoded.type !== 'share') return null
  const header = decoded.share.header
  const hash = headerHash(header)
  const bits = new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(72, true)
  return hashToBigInt(hash) <= bitsToTarget(bits) ? toHex(hash) : null
}

export class HeldBlocks {
  private entries: Uint8Array[] = []
  private saving: Promise<void> = Promise.resolve()

  private constructor(private readonly path: string) {}

  static async open(dataDir: string): Promise<HeldBlocks> {
    const held = new HeldBlocks(join(dataDir, HELD_BLOCKS_FILE))
    let text: string
    try {
      text = await readFile(held.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return held
      throw err
    }
    const parsed: unknown = JSON.parse(text)
    if (!Array.isArray(parsed) || !parsed.every((e) => typeof e === 'string' && /^([0-9a-f]{2})+$/.test(e))) {
      throw new Error(`${held.path} is not a list of hex entries: fix or remove it`)
    }
    held.entries = parsed.map((e: string) => fromHex(e))
    return held
  }

  get size(): number {
    return this.entries.length
  }

  list(): readonly Uint8Array[] {
    return this.entries
  }

  async hold(entry: Uint8Array): Promise<void> {
    this.entries.push(entry)
    await this.save()
  }

  async release(entry: Uint8Array): Promise<void> {
    this.entries = this.entries.filter((e) => e !== entry)
    await this.save()
  }

  /** Atomic (tmp + rename), one write at a time. */
  private save(): Promise<void> {
    const text = JSON.stringify(this.entries.map(toHex)) + '\n'
    this.saving = this.saving.then(() => writeFileAtomic(this.path, text, 0o600))
    return this.saving
  }
}

/**
 * The work layer's append, guarded by the cut-off monitor: refused at once while cut off, given up
 * on after the stall bound (so the miner gets an answer). A block's share that cannot go in is held
 * (its block already went to bitcoind) and handed over on reconnection; the miner gets a refusal
 * saying so, as the share is not credited yet.
 */
export async function appendOrHold(reach: CutOffMonitor, held: HeldBlocks, entry: Uint8Array, append: () => Promise<void>, log: CoopLogger): Promise<void> {
  try {
    await reach.guardAppend(append)
  } catch (err) {
    const id = err instanceof CutOffError ? blockShareId(entry) : null
    if (id === null) throw err
    await held.hold(entry)
    log.warn({ share: id }, `block found while cut off: its share ${id} is held and goes to the cooperative when this node reconnects`)
    // Still a refusal for the miner: the share is not credited yet (it may be, once handed over).
    throw new CutOffError(`${(err as CutOffError).message}; the block went to bitcoind and its share is held until this node reconnects`)
  }
}
