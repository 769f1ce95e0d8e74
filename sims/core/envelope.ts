import { toHex } from '../../src/bitcoin/bytes.js'
import { headerHash } from '../../src/bitcoin/header.js'
import { encodeEntry, type Share } from '../../protocol/share.js'

/** What an invalid share injected by the flood scenario was built to break (the expected reason). */
export type FloodKind = 'malformed' | 'high-hash' | 'noncanonical-bits' | 'target-above-max' | 'duplicate' | 'unknown-parent' | 'bad-share-target' | 'bad-merkle-root'

export const FLOOD_KINDS: readonly FloodKind[] = ['malformed', 'high-hash', 'noncanonical-bits', 'target-above-max', 'duplicate', 'unknown-parent', 'bad-share-target', 'bad-merkle-root']

/**
 * One log entry travelling through the simulated network: the exact bytes every node hands to
 * its ShareChainState, plus what the network layer needs (the ids it depends on, for causal
 * delivery) and what the analysis needs (who made it and why).
 */
export interface Envelope {
  /** Creation order over the whole run. */
  seq: number
  /** Share id (hex), or `entry-<seq>` for bytes that do not decode. */
  id: string
  entry: Uint8Array
  share: Share | null
  /** Parent and uncle ids: a node applies the entry only once it holds all of them (or they time out). */
  deps: string[]
  origin: number
  /** Index of the miner who found it; -1 for injected entries. */
  miner: number
  intent: 'honest' | FloodKind
}

export function shareEnvelope(seq: number, share: Share, origin: number, miner: number, intent: Envelope['intent']): Envelope {
  const deps = share.height > 0 ? [toHex(share.parent)] : []
  for (const u of share.uncles) deps.push(toHex(u))
  return { seq, id: toHex(headerHash(share.header)), entry: encodeEntry({ type: 'share', share }), share, deps, origin, miner, intent }
}

export function rawEnvelope(seq: number, entry: Uint8Array, origin: number, intent: Envelope['intent']): Envelope {
  return { seq, id: `entry-${seq}`, entry, share: null, deps: [], origin, miner: -1, intent }
}
