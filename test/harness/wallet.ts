/**
 * A minimal single-key wallet for tests: P2PKH and P2WPKH spends signed with @noble/secp256k1
 * (bitcoinjs-lib only serializes and computes sighashes; no native secp256k1 is installed).
 */
import * as secp from '@noble/secp256k1'
import { sha256 } from '@noble/hashes/sha2.js'
import { ripemd160 } from '@noble/hashes/legacy.js'
import { Transaction, script as bjsScript } from 'bitcoinjs-lib'
import { hashFromHex } from '../../src/bitcoin/hash.js'

export class TestKey {
  readonly secret: Uint8Array
  readonly publicKey: Uint8Array
  readonly pubkeyHash: Uint8Array

  /** A deterministic key from a label, so failures reproduce. */
  constructor(label: string) {
    this.secret = sha256(new TextEncoder().encode(`hashcoop test key: ${label}`))
    this.publicKey = secp.getPublicKey(this.secret, true)
    this.pubkeyHash = ripemd160(sha256(this.publicKey))
  }

  get p2pkh(): Uint8Array {
    return Uint8Array.of(0x76, 0xa9, 0x14, ...this.pubkeyHash, 0x88, 0xac)
  }

  get p2wpkh(): Uint8Array {
    return Uint8Array.of(0x00, 0x14, ...this.pubkeyHash)
  }

  /** x-only public key, e.g. as a taproot internal key */
  get xOnly(): Uint8Array {
    return this.publicKey.slice(1)
  }

  async signDigest(digest: Uint8Array, hashType: number): Promise<Uint8Array> {
    const signature = await secp.signAsync(digest, this.secret, { prehash: false, lowS: true })
    return bjsScript.signature.encode(signature, hashType)
  }
}

export interface Coin {
  /** display hex */
  txid: string
  vout: number
  value: bigint
  /** the output script being spent: the key's p2pkh or p2wpkh */
  script: Uint8Array
  key: TestKey
}

export interface SignedTx {
  hex: string
  txid: string
  /** output i as a Coin, for chaining a child */
  coin(vout: number, key: TestKey): Coin
}

/** Spends coins to outputs; the fee is whatever the inputs leave over. SIGHASH_ALL throughout. */
export async function spend(coins: readonly Coin[], outputs: ReadonlyArray<{ script: Uint8Array; value: bigint }>): Promise<SignedTx> {
  const tx = new Transaction()
  tx.version = 2
  for (const coin of coins) tx.addInput(hashFromHex(coin.txid), coin.vout, 0xfffffffd)
  for (const out of outputs) tx.addOutput(out.script, out.value)
  for (const [i, coin] of coins.entries()) {
    const kind = coin.script[0] === 0x00 ? 'p2wpkh' : 'p2pkh'
    if (kind === 'p2wpkh') {
      const digest = tx.hashForWitnessV0(i, coin.key.p2pkh, coin.value, Transaction.SIGHASH_ALL)
      tx.setWitness(i, [await coin.key.signDigest(digest, Transaction.SIGHASH_ALL), coin.key.publicKey])
    } else {
      const digest = tx.hashForSignature(i, coin.script, Transaction.SIGHASH_ALL)
      tx.setInputScript(i, bjsScript.compile([await coin.key.signDigest(digest, Transaction.SIGHASH_ALL), coin.key.publicKey]))
    }
  }
  const id = tx.getId()
  return {
    hex: tx.toHex(),
    txid: id,
    coin: (vout, key) => {
      const out = tx.outs[vout]
      if (out === undefined) throw new Error(`no output ${vout}`)
      return { txid: id, vout, value: out.value, script: Uint8Array.from(out.script), key }
    }
  }
}
