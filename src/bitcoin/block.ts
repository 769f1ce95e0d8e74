import { ByteWriter, fromHex } from './bytes.js'
import { coinbaseWithWitness } from './coinbase.js'
import { encodeHeader, type BlockHeader } from './header.js'

/**
 * A full block for submitblock: header, then the coinbase (in segwit form when the block commits
 * to witness data, as BIP141 requires), then the template's transactions as given.
 */
export function serializeBlock(header: BlockHeader, coinbase: Uint8Array, transactionsHex: readonly string[], segwit: boolean): Uint8Array {
  const w = new ByteWriter(1024)
  w.bytes(encodeHeader(header)).varint(1 + transactionsHex.length)
  w.bytes(segwit ? coinbaseWithWitness(coinbase) : coinbase)
  for (const [i, hex] of transactionsHex.entries()) w.bytes(fromHex(hex, `transaction ${i + 1} of the template`))
  return w.finish()
}
