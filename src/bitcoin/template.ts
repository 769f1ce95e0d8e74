import { ByteReader, concatBytes, equalBytes, fromHex, toHex, varintSize } from './bytes.js'
import { hashFromHex, sha256d } from './hash.js'
import { witnessCommitmentHash, witnessCommitmentScript } from './merkle.js'
import { bitsToTarget } from './target.js'

/**
 * A block template normalized from getblocktemplate (Bitcoin Core or bcoin), in internal byte order
 * and exact integer units. The work layer builds jobs from this and nothing else.
 */
export interface TemplateTransaction {
  /** Raw transaction hex as getblocktemplate gave it (with witness data when it has any). */
  data: string
  /** txid, internal byte order. */
  txid: Uint8Array
  /** wtxid ("hash" in getblocktemplate), internal byte order. */
  wtxid: Uint8Array
  fee: bigint
  /** Sigop cost as getblocktemplate counts it (segwit-scaled when segwit is active). */
  sigops: number
  weight: number
  /** Indexes (0-based, into this template's transactions) of transactions this one spends from. */
  depends: number[]
}

export interface BlockTemplate {
  height: number
  version: number
  /** Previous block hash, internal byte order. */
  prevHash: Uint8Array
  bits: number
  target: bigint
  curtime: number
  mintime: number
  /** Total the coinbase may claim: subsidy + fees of the transactions kept. */
  coinbaseValue: bigint
  transactions: TemplateTransaction[]
  /** Witness commitment output script for the kept transactions, or null when segwit is not active. */
  witnessCommitment: Uint8Array | null
  /** Rules the node reported (e.g. 'csv', '!segwit', 'taproot'). */
  rules: string[]
  longpollId: string | null
  weightLimit: number
  sigopLimit: number
  /** What normalizeTemplate dropped to fit the coinbase (absent when built otherwise). */
  trimmed?: { transactions: number; fees: bigint }
}

// ---------------------------------------------------------------------------------------------
// Normalization of getblocktemplate (BIP22/23/145 as Bitcoin Core implements them)

/** Consensus limits (BIP141). */
export const MAX_BLOCK_WEIGHT = 4_000_000
export const MAX_BLOCK_SIGOPS_COST = 80_000
export const WITNESS_SCALE_FACTOR = 4
/** The header's weight; the transaction count varint is added to it by blockOverheadWeight(). */
const HEADER_WEIGHT = 80 * WITNESS_SCALE_FACTOR

export interface NormalizeOptions {
  /**
   * Weight (WU) to keep free for the coinbase transaction we will build: an upper bound of its
   * serialized weight, witness included. The header and the transaction count are accounted here.
   */
  reservedWeight: number
  /**
   * Sigop cost (segwit units) of the coinbase: 4 per legacy sigop in its outputs (a P2PKH or bare
   * multisig payout counts; P2WPKH/P2TR/P2SH/OP_RETURN do not).
   */
  reservedSigops: number
  /**
   * Re-hash every transaction's data and compare with its txid and wtxid. Costs two double SHA-256
   * over the whole template; for tests and audits, off by default (Core is trusted for these).
   */
  verifyTransactionHashes?: boolean
}

export class TemplateError extends Error {
  override name = 'TemplateError'
}

/**
 * Validates a getblocktemplate answer field by field and converts it: hashes to internal byte
 * order, amounts to bigint, `depends` from BIP22's 1-based to 0-based indexes. Trims the tail so
 * that the block fits with the coinbase (see trimTransactions), lowering coinbaseValue by exactly
 * the fees dropped, and computes the witness commitment over the transactions kept.
 *
 * Segwit is active when the rules contain 'segwit' or '!segwit' (Core: always, from genesis on
 * regtest; other nodes only after activation). Then sigops are costs (limit 80,000); before it they
 * are legacy counts (limit 20,000), and reservedSigops is scaled down to match (BIP145).
 */
export function normalizeTemplate(gbt: unknown, opts: NormalizeOptions): BlockTemplate {
  checkNormalizeOptions(opts)
  const root = asObject(gbt, 'getblocktemplate')
  const where = (field: string): string => `getblocktemplate.${field}`

  const rules = readRules(root.rules)
  const segwit = rules.includes('segwit') || rules.includes('!segwit')
  const height = readInt(root.height, where('height'), 1, Number.MAX_SAFE_INTEGER)
  const version = readInt(root.version, where('version'), 0, 0xffffffff)
  const prevHash = readHash(root.previousblockhash, where('previousblockhash'))
  const bits = readBits(root.bits, where('bits'))
  const target = readTarget(root.target, bits)
  const curtime = readInt(root.curtime, where('curtime'), 0, 0xffffffff)
  const mintime = root.mintime === undefined ? curtime : readInt(root.mintime, where('mintime'), 0, 0xffffffff)
  const templateValue = BigInt(readInt(root.coinbasevalue, where('coinbasevalue'), 0, Number.MAX_SAFE_INTEGER))
  const longpollId = root.longpollid === undefined || root.longpollid === null ? null : readString(root.longpollid, where('longpollid'))
  const weightLimit = root.weightlimit === undefined ? MAX_BLOCK_WEIGHT : readInt(root.weightlimit, where('weightlimit'), 1, MAX_BLOCK_WEIGHT)
  const legacySigopLimit = MAX_BLOCK_SIGOPS_COST / WITNESS_SCALE_FACTOR
  const sigopLimit =
    root.sigoplimit === undefined ? (segwit ? MAX_BLOCK_SIGOPS_COST : legacySigopLimit) : readInt(root.sigoplimit, where('sigoplimit'), 1, MAX_BLOCK_SIGOPS_COST)
  const transactions = readTransactions(root.transactions, segwit, opts.verifyTransactionHashes === true)

  const totalFees = transactions.reduce((sum, tx) => sum + tx.fee, 0n)
  if (totalFees > templateValue) throw new TemplateError(`${where('coinbasevalue')} ${templateValue} is less than the transactions' fees ${totalFees}`)

  const reservedSigops = segwit ? opts.reservedSigops : Math.ceil(opts.reservedSigops / WITNESS_SCALE_FACTOR)
  const trim = trimTransactions(transactions, { weightLimit, sigopLimit, reservedWeight: opts.reservedWeight, reservedSigops })

  let witnessCommitment: Uint8Array | null = null
  if (segwit) {
    witnessCommitment = witnessCommitmentScript(witnessCommitmentHash(trim.kept.map((tx) => tx.wtxid)))
    // With nothing trimmed our commitment must be the node's: a cheap proof that we read the
    // wtxids (and their order) as the node meant them.
    if (trim.dropped.length === 0 && root.default_witness_commitment !== undefined) {
      const given = readHex(root.default_witness_commitment, where('default_witness_commitment'))
      if (!equalBytes(given, witnessCommitment)) {
        throw new TemplateError(`${where('default_witness_commitment')} ${toHex(given)} differs from the commitment computed over the transactions' wtxids ${toHex(witnessCommitment)}`)
      }
    }
  }

  return {
    height,
    version,
    prevHash,
    bits,
    target,
    curtime,
    mintime,
    coinbaseValue: templateValue - trim.droppedFees,
    transactions: trim.kept,
    witnessCommitment,
    rules,
    longpollId,
    weightLimit,
    sigopLimit,
    trimmed: { transactions: trim.dropped.length, fees: trim.droppedFees }
  }
}

export interface TrimBudget {
  weightLimit: number
  sigopLimit: number
  /** Weight kept for the coinbase (the header and transaction count are added by the trimmer). */
  reservedWeight: number
  /** Sigops kept for the coinbase, in the template's units. */
  reservedSigops: number
}

export interface TrimResult {
  /** Transactions kept, in template order, with `depends` re-indexed into this array. */
  kept: TemplateTransaction[]
  /** Indexes (into the input) of the transactions dropped, ascending. */
  dropped: number[]
  droppedFees: bigint
}

/** Weight of the header plus the transaction count for a block of `txCount` transactions. */
export function blockOverheadWeight(txCount: number): number {
  return HEADER_WEIGHT + varintSize(txCount) * WITNESS_SCALE_FACTOR
}

/**
 * The trimming rule. While the block (header + count + reserved coinbase + kept transactions)
 * exceeds the weight limit or the sigop limit, drop the LAST kept transaction that reduces the
 * exceeded quantity (for weight: the last one; for sigops: the last one with sigops > 0), together
 * with every kept transaction that depends on it, directly or transitively: a child never outlives
 * its parent. The template is ordered by the node's fee-rate selection, so the tail is what the
 * node valued least; dropping from it keeps the rule deterministic and the fees lost small.
 * Throws when even an empty block would not fit the reservation.
 */
export function trimTransactions(transactions: readonly TemplateTransaction[], budget: TrimBudget): TrimResult {
  const kept = transactions.map(() => true)
  let keptCount = transactions.length
  let weight = transactions.reduce((sum, tx) => sum + tx.weight, 0)
  let sigops = transactions.reduce((sum, tx) => sum + tx.sigops, 0)
  const children = childrenOf(transactions)
  if (blockOverheadWeight(1) + budget.reservedWeight > budget.weightLimit) {
    throw new TemplateError(`reserved coinbase weight ${budget.reservedWeight} leaves no room in a block of weight limit ${budget.weightLimit}`)
  }
  if (budget.reservedSigops > budget.sigopLimit) throw new TemplateError(`reserved coinbase sigops ${budget.reservedSigops} exceed the sigop limit ${budget.sigopLimit}`)

  const overWeight = (): boolean => blockOverheadWeight(1 + keptCount) + budget.reservedWeight + weight > budget.weightLimit
  const overSigops = (): boolean => budget.reservedSigops + sigops > budget.sigopLimit
  while (overWeight() || overSigops()) {
    const victim = overWeight() ? lastKept(kept, () => true) : lastKept(kept, (i) => (transactions[i] as TemplateTransaction).sigops > 0)
    // Unreachable while the totals are consistent: an empty block fits (checked above).
    if (victim === -1) throw new TemplateError('cannot trim the template below its limits')
    for (const index of withDescendants(victim, children)) {
      if (!kept[index]) continue
      const tx = transactions[index] as TemplateTransaction
      kept[index] = false
      keptCount--
      weight -= tx.weight
      sigops -= tx.sigops
    }
  }

  const newIndex = new Map<number, number>()
  const result: TemplateTransaction[] = []
  const dropped: number[] = []
  let droppedFees = 0n
  for (const [i, tx] of transactions.entries()) {
    if (!kept[i]) {
      dropped.push(i)
      droppedFees += tx.fee
      continue
    }
    newIndex.set(i, result.length)
    result.push({ ...tx, depends: tx.depends.map((d) => newIndex.get(d) as number) })
  }
  return { kept: result, dropped, droppedFees }
}

function childrenOf(transactions: readonly TemplateTransaction[]): number[][] {
  const children: number[][] = transactions.map(() => [])
  for (const [i, tx] of transactions.entries()) for (const parent of tx.depends) children[parent]?.push(i)
  return children
}

function lastKept(kept: readonly boolean[], eligible: (index: number) => boolean): number {
  for (let i = kept.length - 1; i >= 0; i--) if (kept[i] && eligible(i)) return i
  return -1
}

function withDescendants(start: number, children: readonly number[][]): number[] {
  const seen = new Set<number>([start])
  const stack = [start]
  while (stack.length > 0) {
    for (const child of children[stack.pop() as number] ?? []) {
      if (!seen.has(child)) {
        seen.add(child)
        stack.push(child)
      }
    }
  }
  return [...seen]
}

// ---------------------------------------------------------------------------------------------
// Field readers: each names the field it refuses.

function checkNormalizeOptions(opts: NormalizeOptions): void {
  if (!Number.isSafeInteger(opts.reservedWeight) || opts.reservedWeight < 0) throw new RangeError(`reservedWeight must be a non-negative integer, got ${opts.reservedWeight}`)
  if (!Number.isSafeInteger(opts.reservedSigops) || opts.reservedSigops < 0) throw new RangeError(`reservedSigops must be a non-negative integer, got ${opts.reservedSigops}`)
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TemplateError(`${where} must be an object, got ${show(value)}`)
  return value as Record<string, unknown>
}

function readInt(value: unknown, where: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new TemplateError(`${where} must be an integer in ${min}..${max}, got ${show(value)}`)
  }
  return value
}

function readString(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new TemplateError(`${where} must be a string, got ${show(value)}`)
  return value
}

function readHex(value: unknown, where: string): Uint8Array {
  const text = readString(value, where)
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new TemplateError(`${where} must be hex, got ${show(value)}`)
  return fromHex(text, where)
}

function readHash(value: unknown, where: string): Uint8Array {
  const text = readString(value, where)
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new TemplateError(`${where} must be a 64-hex-digit hash, got ${show(value)}`)
  return hashFromHex(text, where)
}

function readBits(value: unknown, where: string): number {
  const text = readString(value, where)
  if (!/^[0-9a-fA-F]{8}$/.test(text)) throw new TemplateError(`${where} must be 8 hex digits, got ${show(value)}`)
  const bits = Number.parseInt(text, 16)
  let target: bigint
  try {
    target = bitsToTarget(bits)
  } catch (err) {
    throw new TemplateError(`${where} ${text} is not a valid compact target: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (target === 0n) throw new TemplateError(`${where} ${text} encodes a zero target`)
  return bits
}

function readTarget(value: unknown, bits: number): bigint {
  const fromBits = bitsToTarget(bits)
  if (value === undefined) return fromBits
  const text = readString(value, 'getblocktemplate.target')
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new TemplateError(`getblocktemplate.target must be 64 hex digits, got ${show(value)}`)
  const target = BigInt('0x' + text)
  if (target !== fromBits) throw new TemplateError(`getblocktemplate.target ${text} does not match bits ${bits.toString(16).padStart(8, '0')}`)
  return target
}

function readRules(value: unknown): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new TemplateError(`getblocktemplate.rules must be an array of strings, got ${show(value)}`)
  return value.map((rule, i) => readString(rule, `getblocktemplate.rules[${i}]`))
}

function readTransactions(value: unknown, segwit: boolean, verifyHashes: boolean): TemplateTransaction[] {
  if (!Array.isArray(value)) throw new TemplateError(`getblocktemplate.transactions must be an array, got ${show(value)}`)
  return value.map((entry, i) => readTransaction(entry, i, segwit, verifyHashes))
}

function readTransaction(entry: unknown, index: number, segwit: boolean, verifyHashes: boolean): TemplateTransaction {
  const where = `getblocktemplate.transactions[${index}]`
  const tx = asObject(entry, where)
  const data = readString(tx.data, `${where}.data`)
  if (data.length === 0 || !/^(?:[0-9a-fA-F]{2})*$/.test(data)) throw new TemplateError(`${where}.data must be non-empty hex, got ${show(tx.data)}`)
  const txid = readHash(tx.txid, `${where}.txid`)
  // Core always sends "hash" (the wtxid); without segwit it equals the txid.
  const wtxid = tx.hash === undefined && !segwit ? txid : readHash(tx.hash, `${where}.hash`)
  const fee = BigInt(readInt(tx.fee, `${where}.fee`, 0, Number.MAX_SAFE_INTEGER))
  const sigops = readInt(tx.sigops, `${where}.sigops`, 0, MAX_BLOCK_SIGOPS_COST)
  const weight = readInt(tx.weight, `${where}.weight`, 1, MAX_BLOCK_WEIGHT)
  if (!Array.isArray(tx.depends)) throw new TemplateError(`${where}.depends must be an array, got ${show(tx.depends)}`)
  const depends = tx.depends.map((d, j) => {
    // BIP22: 1-based indexes of earlier transactions in this list.
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1 || d > index) {
      throw new TemplateError(`${where}.depends[${j}] must be the 1-based index of an earlier transaction (1..${index}), got ${show(d)}`)
    }
    return d - 1
  })
  if (verifyHashes) verifyHashesOf(fromHex(data, `${where}.data`), txid, wtxid, where)
  return { data, txid, wtxid, fee, sigops, weight, depends: [...new Set(depends)] }
}

function verifyHashesOf(raw: Uint8Array, txid: Uint8Array, wtxid: Uint8Array, where: string): void {
  let stripped: Uint8Array
  try {
    stripped = stripWitness(raw)
  } catch (err) {
    throw new TemplateError(`${where}.data is not a transaction: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (!equalBytes(sha256d(stripped), txid)) throw new TemplateError(`${where}.txid does not match the hash of its data`)
  if (!equalBytes(sha256d(raw), wtxid)) throw new TemplateError(`${where}.hash (wtxid) does not match the hash of its data`)
}

/** The non-witness serialization of a transaction (BIP144 form or legacy form in, legacy out). */
export function stripWitness(raw: Uint8Array): Uint8Array {
  const r = new ByteReader(raw)
  r.u32()
  const hasWitness = raw[4] === 0x00 && raw[5] === 0x01
  if (hasWitness) r.bytes(2)
  const bodyStart = r.offset
  const inputCount = r.varint()
  for (let i = 0; i < inputCount; i++) {
    r.bytes(36)
    r.varbytes()
    r.u32()
  }
  const outputCount = r.varint()
  for (let i = 0; i < outputCount; i++) {
    r.u64()
    r.varbytes()
  }
  const bodyEnd = r.offset
  if (hasWitness) for (let i = 0; i < inputCount; i++) for (let items = r.varint(); items > 0; items--) r.varbytes()
  r.u32()
  if (r.remaining !== 0) throw new Error(`${r.remaining} trailing bytes`)
  if (!hasWitness) return raw
  return concatBytes(raw.subarray(0, 4), raw.subarray(bodyStart, bodyEnd), raw.subarray(raw.length - 4))
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'bigint') return value.toString()
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? text.slice(0, 57) + '...' : text
}
