/**
 * The in-process regtest node (bcoin) lives in src/demo/ (the demo needs it at run time); tests
 * import it from here as before, with the helpers only tests need.
 */
import { bitsToTarget, meetsTarget } from '../../src/bitcoin/target.js'
import { encodeHeader, headerHash, type BlockHeader } from '../../src/bitcoin/header.js'

export { BCOIN_REGTEST, bcoinRegtestAddress, freePort, startRegtest, type RegtestNode } from '../../src/demo/regtest.js'

/**
 * Varies the nonce until the header meets its own target. On regtest (bits 207fffff) about one
 * try in two succeeds.
 */
export function grindNonce(header: BlockHeader, maxTries = 1_000_000): BlockHeader {
  const target = bitsToTarget(header.bits)
  for (let nonce = header.nonce, tries = 0; tries < maxTries; tries++, nonce = (nonce + 1) >>> 0) {
    const candidate = { ...header, nonce }
    if (meetsTarget(headerHash(encodeHeader(candidate)), target)) return candidate
  }
  throw new Error(`no nonce found in ${maxTries} tries for bits ${header.bits.toString(16)}`)
}
