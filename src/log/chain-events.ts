/**
 * Share-chain tip changes worth a log line. The node emits 'tip' whenever its view's tip moves;
 * several shares may land in one view update, so "the new tip's parent is not the previous tip"
 * alone would cry reorg on every batch. A reorg is a new tip whose ancestry does not contain the
 * previous tip: the shares between the common ancestor and the previous tip left the best chain.
 */
import type { CoopLogger } from '../coop/log.js'
import { KEY, type ShareValue, type ViewReader } from '../sharechain/view.js'

export interface TipSource {
  readonly view: ViewReader
  on(event: 'tip', listener: (tip: { id: string; height: number }) => void): unknown
  off(event: 'tip', listener: (tip: { id: string; height: number }) => void): unknown
}

export interface TipChange {
  id: string
  height: number
  previous: { id: string; height: number } | null
  /** Set when the previous tip is not an ancestor of the new one. */
  reorg: { depth: number; commonHeight: number | null } | null
}

/** Longest ancestry walked to classify a tip change (a node catching up skips the check). */
const MAX_WALK = 10_000

async function parentOf(view: ViewReader, id: string): Promise<string | null | undefined> {
  const value = (await view.get(KEY.share(id)))?.value as ShareValue | undefined
  return value === undefined ? undefined : value.parent
}

/** The ancestor of `id` (at `height`) at `target` height, or undefined if the walk breaks off. */
async function ancestorAt(view: ViewReader, id: string, height: number, target: number): Promise<string | undefined> {
  let cur: string | null | undefined = id
  for (let h = height; h > target; h--) {
    if (cur === null || cur === undefined) return undefined
    cur = await parentOf(view, cur)
  }
  return cur ?? undefined
}

export async function classifyTip(view: ViewReader, previous: { id: string; height: number } | null, next: { id: string; height: number }): Promise<TipChange> {
  const change: TipChange = { ...next, previous, reorg: null }
  if (previous === null || Math.abs(next.height - previous.height) > MAX_WALK) return change
  const low = Math.min(previous.height, next.height)
  let a = await ancestorAt(view, next.id, next.height, low)
  if (next.height >= previous.height && a === previous.id) return change
  let b = await ancestorAt(view, previous.id, previous.height, low)
  // Walk both branches down in step until they meet.
  let h = low
  for (let steps = 0; a !== undefined && b !== undefined && a !== b && steps < MAX_WALK; steps++, h--) {
    const pa: string | null | undefined = await parentOf(view, a)
    const pb: string | null | undefined = await parentOf(view, b)
    a = pa ?? undefined
    b = pb ?? undefined
  }
  const commonHeight = a !== undefined && a === b ? h : null
  change.reorg = { depth: previous.height - (commonHeight ?? -1), commonHeight }
  return change
}

/**
 * Logs every tip change (debug) and every reorg (warn); calls onChange after classifying.
 * Returns a function that stops watching.
 */
export function watchTip(source: TipSource, log: CoopLogger, onChange?: (change: TipChange) => void): () => void {
  let previous: { id: string; height: number } | null = null
  let queue: Promise<void> = Promise.resolve()
  const listener = (tip: { id: string; height: number }): void => {
    queue = queue.then(async () => {
      try {
        const change = await classifyTip(source.view, previous, tip)
        previous = { id: tip.id, height: tip.height }
        if (change.reorg !== null && change.previous !== null) {
          log.warn(
            { tip: tip.id, height: tip.height, replaced: change.previous.id, replacedHeight: change.previous.height, depth: change.reorg.depth },
            `share-chain reorg: new tip ${tip.height} ${tip.id.slice(0, 16)} replaces ${change.previous.height} ${change.previous.id.slice(0, 16)} (${change.reorg.depth} share${change.reorg.depth === 1 ? '' : 's'} left the best chain)`
          )
        } else log.debug({ tip: tip.id, height: tip.height }, `share-chain tip ${tip.height} ${tip.id.slice(0, 16)}`)
        onChange?.(change)
      } catch (err) {
        log.debug({ err: err instanceof Error ? err.message : String(err) }, 'could not classify a tip change')
      }
    })
  }
  source.on('tip', listener)
  return () => source.off('tip', listener)
}
