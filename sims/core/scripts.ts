import { sha256 } from '../../src/bitcoin/hash.js'

/**
 * Deterministic payout scripts for simulated miners, a mix of the standard types a coinbase may
 * pay (SPEC.md §6.1 rule 7), so coinbase sizes come out as a real cooperative's would:
 * half P2WPKH, 30 % P2TR, 10 % P2PKH, 10 % P2SH.
 */
export function payoutScript(index: number): Uint8Array {
  const h = sha256(new TextEncoder().encode(`hashcoop-sim/miner/${index}`))
  const kind = index % 10
  if (kind < 5) return Uint8Array.from([0x00, 0x14, ...h.slice(0, 20)])
  if (kind < 8) return Uint8Array.from([0x51, 0x20, ...h])
  if (kind === 8) return Uint8Array.from([0x76, 0xa9, 0x14, ...h.slice(0, 20), 0x88, 0xac])
  return Uint8Array.from([0xa9, 0x14, ...h.slice(0, 20), 0x87])
}
