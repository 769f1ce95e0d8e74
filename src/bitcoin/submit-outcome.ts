import { RpcAbortedError, RpcAuthError, RpcClientError, RpcConnectionError, RpcError, RpcProtocolError, RpcTimeoutError, RpcWarmupError } from './rpc.js'

/**
 * What a submitblock call came to, in Bitcoin Core's terms (rpc/mining.cpp, BIP22):
 * - null: the block was accepted and connected;
 * - "duplicate": bitcoind already has this very block, valid (our own earlier attempt, for one);
 * - "inconclusive" / "duplicate-inconclusive": valid as far as checked, but not connected: it lost
 *   a race to a block at the same height (a side chain with less work);
 * - "stale-prevblk": built on a block that is no longer the tip: a race lost before submitting;
 * - any other string ("high-hash", "bad-txnmrklroot", "duplicate-invalid", ...): rejected as invalid;
 * - no answer at all (refused, reset, timeout, warming up): not submitted; worth trying again.
 */
export type SubmitOutcome =
  | { kind: 'accepted' }
  | { kind: 'duplicate' }
  | { kind: 'race-lost'; reason: string }
  | { kind: 'rejected'; reason: string }
  | { kind: 'unreachable'; reason: string }

export type SubmitOutcomeKind = SubmitOutcome['kind']

/** Core's answers that mean "a competing block won", not "this block is bad". */
export const RACE_LOST_ANSWERS: ReadonlySet<string> = new Set(['inconclusive', 'duplicate-inconclusive', 'stale-prevblk'])

/** Classifies submitblock's answer: null (accepted) or Core's reason string. */
export function classifyAnswer(answer: string | null): SubmitOutcome {
  if (answer === null) return { kind: 'accepted' }
  if (answer === 'duplicate') return { kind: 'duplicate' }
  if (RACE_LOST_ANSWERS.has(answer)) return { kind: 'race-lost', reason: answer }
  return { kind: 'rejected', reason: answer }
}

/**
 * Classifies a failed call. Only a failure to get an answer is "unreachable": a JSON-RPC error
 * object is bitcoind's verdict on this block (for example -22 "Block decode failed").
 */
export function classifyFailure(err: unknown): SubmitOutcome {
  const message = err instanceof Error ? err.message : String(err)
  if (err instanceof RpcWarmupError || err instanceof RpcConnectionError || err instanceof RpcTimeoutError || err instanceof RpcAbortedError || err instanceof RpcAuthError) {
    return { kind: 'unreachable', reason: message }
  }
  if (err instanceof RpcProtocolError && err.httpStatus === 503) return { kind: 'unreachable', reason: message }
  if (err instanceof RpcError) return { kind: 'rejected', reason: `RPC error ${err.code}: ${err.rpcMessage}` }
  if (err instanceof RpcClientError) return { kind: 'unreachable', reason: message }
  return { kind: 'rejected', reason: message }
}
