/**
 * A stratum miner's work done by hand: the coinbase for a payout, the merkle root, a nonce that
 * meets the job's block target (regtest: about one try in two). Tests hand the result to the work
 * layer as the stratum server would, with no CPU miner racing the test's steps.
 */
import { concatBytes } from '../../src/bitcoin/bytes.js'
import { txid } from '../../src/bitcoin/coinbase.js'
import { encodeHeader, headerHash } from '../../src/bitcoin/header.js'
import { foldMerkleBranch } from '../../src/bitcoin/merkle.js'
import { addressToScript } from '../../src/bitcoin/address.js'
import type { NetworkName } from '../../src/bitcoin/networks.js'
import type { Solution, StratumJob } from '../../src/stratum/types.js'
import { grindNonce } from './regtest.js'

/** A block solution of `job` paying `address`; `variant` changes the extranonce (distinct blocks). */
export function solveJob(job: StratumJob, address: string, network: NetworkName, extranonceSize: number, variant: number): Solution {
  const payoutScript = addressToScript(address, network)
  const halves = job.coinbaseFor?.({ address, script: payoutScript }) ?? { coinb1: job.coinb1, coinb2: job.coinb2 }
  const extranonce = new Uint8Array(extranonceSize)
  new DataView(extranonce.buffer).setUint32(0, variant >>> 0, true)
  const coinbase = concatBytes(halves.coinb1, extranonce, halves.coinb2)
  const merkleRoot = foldMerkleBranch(txid(coinbase), job.merkleBranch)
  const header = grindNonce({ version: job.version, prevHash: job.prevHash, merkleRoot, time: job.time, bits: job.bits, nonce: 0 })
  const bytes = encodeHeader(header)
  return { kind: 'block', job, header: bytes, hash: headerHash(bytes), coinbase, address, payoutScript, coinbaseLimit: null, worker: '', difficulty: 1, stale: false }
}
