/**
 * Bitcoin primitive benchmarks (`npm run bench bitcoin`): header hashing (noble against node:crypto
 * in the same process), the coinbase merkle branch of a large block, and a large coinbase build.
 */
import { createHash, randomBytes } from 'node:crypto'
import { buildCoinbaseParts, type TxOutput } from '../../src/bitcoin/coinbase.js'
import { sha256d } from '../../src/bitcoin/hash.js'
import { coinbaseMerkleBranch, witnessCommitmentHash, witnessCommitmentScript } from '../../src/bitcoin/merkle.js'
import { emit, medianMs, opsPerSecond } from './lib.js'

const HEADER_COUNT = 1024 // distinct headers, cycled, so no run hashes one buffer over and over
const ROUNDS = 3 // alternate the two hashers so neither gets the quieter half of the run
const ROUND_MS = 1000
const BRANCH_TXIDS = 4000
const PAYOUT_OUTPUTS = 500

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) gc()
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

function randomBytesArray(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, () => new Uint8Array(randomBytes(size)))
}

function nodeSha256d(data: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest()
}

function benchHeaderHashing(): void {
  const headers = randomBytesArray(HEADER_COUNT, 80)
  // The two must agree, or the comparison means nothing.
  for (const h of headers.slice(0, 16)) {
    if (!Buffer.from(sha256d(h)).equals(nodeSha256d(h))) throw new Error('noble and node:crypto disagree on sha256d')
  }
  let i = 0
  const noble: number[] = []
  const node: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    collectGarbage()
    node.push(opsPerSecond(() => void nodeSha256d(headers[i++ & (HEADER_COUNT - 1)] as Uint8Array), ROUND_MS))
    collectGarbage()
    noble.push(opsPerSecond(() => void sha256d(headers[i++ & (HEADER_COUNT - 1)] as Uint8Array), ROUND_MS))
  }
  const nodePerSecond = median(node)
  const noblePerSecond = median(noble)
  emit({ name: 'sha256d_header_nodecrypto_per_s', value: nodePerSecond, unit: 'hashes/s', input_bytes: 80, rounds: ROUNDS })
  emit({
    name: 'sha256d_header_noble_per_s',
    value: noblePerSecond,
    unit: 'hashes/s',
    baseline: 'sha256d_header_nodecrypto_per_s',
    ratio: Number((noblePerSecond / nodePerSecond).toPrecision(4)),
    input_bytes: 80,
    rounds: ROUNDS
  })
}

function benchMerkleBranch(): void {
  const txids = randomBytesArray(BRANCH_TXIDS, 32)
  let depth = 0
  collectGarbage()
  const ms = medianMs(() => {
    depth = coinbaseMerkleBranch(txids).length
  }, 21)
  emit({ name: 'merkle_branch_4000tx_ms', value: ms, unit: 'ms', txids: BRANCH_TXIDS, branch_length: depth, runs: 21 })
}

function benchLargeCoinbase(): void {
  const payouts: TxOutput[] = randomBytesArray(PAYOUT_OUTPUTS, 20).map((hash, i) => ({
    value: 546n + BigInt(i),
    script: Uint8Array.of(0x00, 0x14, ...hash)
  }))
  const params = {
    height: 840000,
    extranonceSize: 8,
    tag: new TextEncoder().encode('/hashcoop/'),
    witnessCommitment: witnessCommitmentScript(witnessCommitmentHash([])),
    payouts,
    commitment: new Uint8Array(randomBytes(32))
  }
  let bytes = 0
  collectGarbage()
  const perSecond = opsPerSecond(() => {
    const parts = buildCoinbaseParts(params)
    bytes = parts.coinb1.length + parts.extranonceSize + parts.coinb2.length
  }, 2000, 10)
  emit({ name: 'coinbase_500_outputs_us', value: 1e6 / perSecond, unit: 'us', outputs: PAYOUT_OUTPUTS, output_type: 'p2wpkh', witness_commitment: true, coinbase_bytes: bytes })
}

benchHeaderHashing()
benchMerkleBranch()
benchLargeCoinbase()
