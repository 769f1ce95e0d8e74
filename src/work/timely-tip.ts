import type { ShareChain, ShareRecord } from '../sharechain/chain.js'

/**
 * Which share a node mines on (SPEC.md §5.4: a node's policy, not a validity rule). The view's
 * tip is the valid share with the most work; a node builds on it only while it is *timely*: its
 * chain time, and the median time past its child would have to beat, at most `tolerance` seconds
 * past this node's clock. Otherwise it builds on the timely share with the most work within `depth`
 * heights of the tip, until its clock reaches the tip.
 *
 * Why: chain data cannot tell a future stamp from a fast cooperative (§5.1), so no rule may refuse
 * one; but a withholder that stamps its private branch ahead eases that branch's targets and, once
 * it wins on work, hands honest miners a chain time and a median time past far ahead of the real
 * time (docs/sims.md#timewarp). Honest clocks agree within seconds, so honest nodes simply add no
 * work on top of such a branch until the time it claims has come; it then loses on work. Validity
 * and fork choice stay the same on every node: a node whose clock is slow by more than the
 * tolerance mines on an older share while one is timely, else on the tip, and only its own shares
 * suffer (it is told, see `TimelyChoice.aheadBy`).
 */
export interface TimelyChoice {
  /** The share to mine on (undefined: the first share). */
  parent: ShareRecord | undefined
  /** Seconds the view's tip is ahead of `now + tolerance` when it was passed over; 0 when it is mined on. */
  aheadBy: number
  /** Unix seconds at which the view's tip becomes timely (null when it is mined on). */
  timelyAt: number | null
}

/** Heights below the view's tip searched for a timely share: a released branch of cheap shares can be long. */
export const TIMELY_DEPTH = 512
/** Heights above it: a branch with less work can have more (easier) shares. */
const TIMELY_ABOVE = 64

export function chooseTimelyParent(chain: ShareChain, tip: ShareRecord | undefined, now: number, tolerance: number, depth = TIMELY_DEPTH): TimelyChoice {
  if (tip === undefined) return { parent: undefined, aheadBy: 0, timelyAt: null }
  const claimed = claimedTime(chain, tip)
  if (claimed <= now + tolerance) return { parent: tip, aheadBy: 0, timelyAt: null }
  let best: ShareRecord | undefined
  for (const r of chain.atHeights(tip.height - depth, tip.height + TIMELY_ABOVE)) {
    if (r === tip || claimedTime(chain, r) > now + tolerance) continue
    if (chain.isBetter(r, best)) best = r
  }
  // No timely share in reach: this node's clock is far behind the cooperative's; mine on the tip
  // (an old share would only be orphaned) and let the caller say so.
  return { parent: best ?? tip, aheadBy: claimed - now - tolerance, timelyAt: claimed - tolerance }
}

/** The latest time a child of `r` is asked to respect: r's chain time, or the median time past its header must beat. */
function claimedTime(chain: ShareChain, r: ShareRecord): number {
  return Math.max(r.chainTime, chain.medianTimePast(r) + 1)
}
