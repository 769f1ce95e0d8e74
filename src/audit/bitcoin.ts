import { Block, Transaction } from 'bitcoinjs-lib'
import { toHex } from '../bitcoin/bytes.js'
import { chainPlace, isBlockNotFound } from '../bitcoin/chain-status.js'
import type { RpcClient } from '../bitcoin/rpc.js'

/**
 * Where a found block stands on the Bitcoin chain, and whether its coinbase there is byte for byte
 * the one the share-chain dictates. Uses only the typed RPC client (src/bitcoin/rpc.ts): its errors
 * (connection, auth, timeout) propagate to the caller, which reports them as "cannot check".
 */
export type ChainStatus = 'in-best-chain' | 'orphaned' | 'unknown'

export interface OutputJson {
  script: string
  value: string
}

export interface BitcoinCheck {
  status: ChainStatus
  /** bitcoind's count, when it knows the block (Core: -1 off the best chain). */
  confirmations: number | null
  /** 'not-checked' when the block is unknown or no expected coinbase could be built. */
  coinbase: 'match' | 'mismatch' | 'not-checked'
  /** The coinbase outputs as bitcoind has them (null when it does not have the block). */
  outputs: OutputJson[] | null
  /** Why the coinbase does not match, output by output. */
  detail: string | null
}

/**
 * `hash` is the block hash in display order (as bitcoind spells it); `expectedCoinbase` the
 * non-witness serialization the share-chain dictates, or null when none can be built.
 */
export async function checkBlock(rpc: RpcClient, hash: string, expectedCoinbase: Uint8Array | null): Promise<BitcoinCheck> {
  const where = await chainPlace(rpc, hash)
  if (where.place === 'unknown') return { status: 'unknown', confirmations: null, coinbase: 'not-checked', outputs: null, detail: null }
  const status: ChainStatus = where.place === 'best-chain' ? 'in-best-chain' : 'orphaned'
  const confirmations = where.place === 'best-chain' ? where.confirmations : -1

  let raw: string
  try {
    raw = await rpc.getBlock(hash, 0)
  } catch (err) {
    if (isBlockNotFound(err)) return { status, confirmations, coinbase: 'not-checked', outputs: null, detail: 'bitcoind knows the header but not the block data' }
    throw err
  }
  let block: Block
  try {
    block = Block.fromHex(raw)
  } catch (err) {
    return { status, confirmations, coinbase: 'mismatch', outputs: null, detail: `bitcoind's block does not parse: ${(err as Error).message}` }
  }
  const coinbaseTx = block.transactions?.[0]
  if (coinbaseTx === undefined) return { status, confirmations, coinbase: 'mismatch', outputs: null, detail: "bitcoind's block has no transactions" }
  const outputs = coinbaseTx.outs.map((o) => ({ script: toHex(o.script), value: String(o.value) }))
  if (expectedCoinbase === null) return { status, confirmations, coinbase: 'not-checked', outputs, detail: null }

  const problems = compareCoinbase(Transaction.fromBuffer(Buffer.from(expectedCoinbase)), coinbaseTx)
  if (block.getId() !== hash) problems.push(`bitcoind returned block ${block.getId()} for ${hash}`)
  if (!block.checkTxRoots()) problems.push("the block's transactions do not hash to its header's merkle root")
  return { status, confirmations, coinbase: problems.length === 0 ? 'match' : 'mismatch', outputs, detail: problems.length === 0 ? null : problems.join('; ') }
}

/** Output by output (script and value, in order), then the rest of the transaction via its txid. */
function compareCoinbase(expected: Transaction, actual: Transaction): string[] {
  const problems: string[] = []
  if (expected.outs.length !== actual.outs.length) problems.push(`the Bitcoin chain's coinbase has ${actual.outs.length} outputs, the share-chain's split gives ${expected.outs.length}`)
  const n = Math.max(expected.outs.length, actual.outs.length)
  for (let i = 0; i < n; i++) {
    const e = expected.outs[i]
    const a = actual.outs[i]
    const es = e === undefined ? 'nothing' : `${toHex(e.script)} ${e.value} sat`
    const as = a === undefined ? 'nothing' : `${toHex(a.script)} ${a.value} sat`
    if (es !== as) problems.push(`output ${i}: expected ${es}, the Bitcoin chain has ${as}`)
  }
  if (problems.length === 0 && expected.getId() !== actual.getId()) {
    problems.push(`the outputs match but the coinbase txid is ${actual.getId()}, expected ${expected.getId()} (version, input, scriptSig or lockTime differ)`)
  }
  return problems
}
