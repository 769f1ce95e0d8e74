/**
 * An in-process regtest node for tests: bcoin (npm), a real full node with a bitcoind-compatible
 * JSON-RPC. Every bcoin quirk lives here and nowhere in src/:
 * - regtest addresses: bech32 hrp 'rb' and P2PKH version 60 (Core: 'bcrt' and 111); the output
 *   scripts are the same bytes, so only generatetoaddress needs bcoin's spelling;
 * - segwit activates by BIP9 after ~432 blocks (Core's regtest: from genesis);
 * - getblock takes (hash, verbose, details) booleans, not Core's verbosity 2;
 * - submitblock reasons read "rejected: <reason>" (Core: "<reason>");
 * - the template is cached and only rebuilt on a new block or, for new mempool transactions,
 *   after 10 s: refreshTemplate() forces it.
 */
import { createServer } from 'node:net'
import bcoin, { type FullNode } from 'bcoin'
import { address as bjsAddress, networks } from 'bitcoinjs-lib'
import { bitsToTarget, meetsTarget } from '../../src/bitcoin/target.js'
import { encodeHeader, headerHash, type BlockHeader } from '../../src/bitcoin/header.js'
import { RpcClient, type VerboseTransaction } from '../../src/bitcoin/rpc.js'

/** bcoin's regtest address prefixes (lib/protocol/networks.js). */
export const BCOIN_REGTEST = { ...networks.regtest, bech32: 'rb', pubKeyHash: 0x3c, scriptHash: 0x26 }

export interface RegtestNode {
  readonly port: number
  readonly rpcUrl: string
  readonly user: string
  readonly password: string
  readonly rpc: RpcClient
  /** generatetoaddress with a bcoin-style address; returns the block hashes (display hex). */
  mine(blocks: number, bcoinAddress: string): Promise<string[]>
  /** Mines to an output script (any standard type), spelled as bcoin wants it. */
  mineToScript(blocks: number, script: Uint8Array): Promise<string[]>
  /** Makes the next getblocktemplate see the mempool as it is now (bcoin caches for 10 s). */
  refreshTemplate(): void
  /** bcoin's getblock with transaction details (Core: getblock hash 2). */
  getBlockWithTransactions(hash: string): Promise<{ tx: VerboseTransaction[] }>
  /** Stops the node; the port stays reserved for restart(). */
  stop(): Promise<void>
  /** A fresh node (an empty chain: memory only) on the same port. */
  restart(): Promise<void>
  close(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export function bcoinRegtestAddress(script: Uint8Array): string {
  return bjsAddress.fromOutputScript(script, BCOIN_REGTEST)
}

function newNode(port: number, apiKey: string): FullNode {
  return new bcoin.FullNode({
    network: 'regtest',
    memory: true,
    workers: false,
    listen: false,
    httpHost: '127.0.0.1',
    httpPort: port,
    apiKey,
    logLevel: 'error'
  })
}

export async function startRegtest(): Promise<RegtestNode> {
  const port = await freePort()
  const user = 'hashcoop' // bcoin ignores the user name; Core checks it
  const password = 'regtest-' + Math.random().toString(36).slice(2)
  const rpcUrl = `http://127.0.0.1:${port}`
  let node: FullNode | null = newNode(port, password)
  await node.open()
  const rpc = new RpcClient({ url: rpcUrl, auth: { user, password }, network: 'regtest', retryDelayMs: 20 })

  const mine = async (blocks: number, bcoinAddress: string): Promise<string[]> => {
    const hashes = await rpc.call<unknown>('generatetoaddress', [blocks, bcoinAddress], { timeoutMs: 120_000 })
    if (!Array.isArray(hashes) || !hashes.every((h) => typeof h === 'string')) throw new Error(`generatetoaddress returned ${JSON.stringify(hashes)}`)
    return hashes as string[]
  }

  return {
    port,
    rpcUrl,
    user,
    password,
    rpc,
    mine,
    mineToScript: (blocks, script) => mine(blocks, bcoinRegtestAddress(script)),
    refreshTemplate: () => node?.rpc.refreshBlock(),
    getBlockWithTransactions: async (hash) => {
      const block = await rpc.call<{ tx: VerboseTransaction[] }>('getblock', [hash, true, true])
      return block
    },
    stop: async () => {
      const running = node
      node = null
      await running?.close()
    },
    restart: async () => {
      if (node !== null) await node.close()
      node = newNode(port, password)
      await node.open()
    },
    close: async () => {
      rpc.close()
      const running = node
      node = null
      await running?.close()
    }
  }
}

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
