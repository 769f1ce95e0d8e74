/** Jobs and addresses for stratum tests, built with the real Bitcoin code (no hand-made hex). */
import { scriptToAddress } from '../../../../src/bitcoin/address.js'
import { buildCoinbaseParts } from '../../../../src/bitcoin/coinbase.js'
import { sha256d } from '../../../../src/bitcoin/hash.js'
import { coinbaseMerkleBranch } from '../../../../src/bitcoin/merkle.js'
import type { NetworkName } from '../../../../src/bitcoin/networks.js'
import type { StratumJob } from '../../../../src/stratum/types.js'

export function p2wpkhScript(fill: number): Uint8Array {
  return Uint8Array.from([0x00, 0x14, ...new Array<number>(20).fill(fill)])
}

export function addressFor(fill: number, network: NetworkName = 'mainnet'): string {
  const address = scriptToAddress(p2wpkhScript(fill), network)
  if (address === null) throw new Error('no address')
  return address
}

/** Deterministic fake txids (internal order). */
export function fakeTxids(count: number, salt = 0): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => sha256d(Uint8Array.of(salt, i)))
}

let counter = 0

export interface JobSpec extends Partial<StratumJob> {
  extranonceSize?: number
  height?: number
  txCount?: number
}

/** A consistent job: real coinbase halves for the extranonce size, a real merkle branch. */
export function makeJob(spec: JobSpec = {}): StratumJob {
  counter += 1
  const { extranonceSize = 12, height = 800_000 + counter, txCount = 5, ...over } = spec
  const parts = buildCoinbaseParts({
    height,
    extranonceSize,
    tag: new TextEncoder().encode('/test/'),
    witnessCommitment: null,
    payouts: [{ value: 312_500_000n, script: p2wpkhScript(0x22) }],
    commitment: sha256d(Uint8Array.of(counter))
  })
  return {
    id: `job-${counter}`,
    prevHash: sha256d(Uint8Array.of(0xaa, counter)),
    coinb1: parts.coinb1,
    coinb2: parts.coinb2,
    merkleBranch: coinbaseMerkleBranch(fakeTxids(txCount, counter & 0xff)),
    version: 0x20000000,
    bits: 0x1703a30c,
    time: Math.floor(Date.now() / 1000),
    cleanJobs: true,
    // Hard by default: tests that want blocks or shares set them explicitly.
    blockTarget: 1n << 180n,
    shareTarget: 1n << 200n,
    ...over
  }
}
