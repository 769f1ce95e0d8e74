/**
 * An in-process regtest Bitcoin node: bcoin (npm), a real full node with a bitcoind-compatible
 * JSON-RPC, for the demo and the tests (there is no Bitcoin Core package to install here). Every
 * bcoin quirk lives here and nowhere else in src/:
 * - regtest addresses: bech32 hrp 'rb' and P2PKH version 60 (Core: 'bcrt' and 111); the output
 *   scripts are the same bytes, so only generatetoaddress needs bcoin's spelling;
 * - segwit activates by BIP9 after ~432 blocks (Core's regtest: from genesis);
 * - getblock takes (hash, verbose, details) booleans, not Core's verbosity 2;
 * - submitblock reasons read "rejected: <reason>" (Core: "<reason>");
 * - the template is cached and only rebuilt on a new block or, for new mempool transactions,
 *   after 10 s: refreshTemplate() forces it.
 * memory: true: nothing is written to disk, and the chain is gone when the node closes.
 */
import { createServer } from 'node:net'
import { randomBytes } from 'node:crypto'
import bcoin, { type FullNode } from 'bcoin'
import { address as bjsAddress, networks } from 'bitcoinjs-lib'
import { RpcClient, type VerboseTransaction } from '../bitcoin/rpc.js'

/** bcoin's regtest address prefixes (lib/protocol/networks.js). */
export const BCOIN_REGTEST = { ...networks.regtest, bech32: 'rb', pubKeyHash: 0x3c, scriptHash: 0x26 }

/** Blocks to mine before the cooperative starts: bcoin's regtest activates segwit (BIP9) by ~432. */
export const SEGWIT_ACTIVE_AFTER = 440

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

/** A TCP port free on 127.0.0.1 right now (the usual race applies: bind it soon). */
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
  const password = 'regtest-' + randomBytes(12).toString('hex')
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
