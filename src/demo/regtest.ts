/**
 * An in-process regtest Bitcoin node: bcoin (npm), a real full node with a bitcoind-compatible
 * JSON-RPC, for the demo and the tests (there is no Bitcoin Core package to install here). Every
 * bcoin quirk lives here and nowhere else in src/:
 * - regtest addresses: bech32 hrp 'rb' and P2PKH version 60 (Core: 'bcrt' and 111); the output
 *   scripts are the same bytes, so only generatetoaddress needs bcoin's spelling;
 * - segwit activates by BIP9 after ~432 blocks (Core's regtest: from genesis);
 * - getblock takes (hash, verbose, details) booleans, not Core's verbosity 2;
 * - submitblock reasons read "rejected: <reason>" (Core: "<reason>"), and a valid block left on a
 *   side chain is answered null (Core: "inconclusive"): coreSubmitBlock() answers as Core does;
 * - the template is cached and only rebuilt on a new block or, for new mempool transactions,
 *   after 10 s: refreshTemplate() forces it.
 * - close() waits for open RPC connections, a pending longpoll included: stop() cuts them;
 * - a client that resets its RPC connection (a node aborting a longpoll as it stops) is logged as
 *   an error ("[error] (node) read ECONNRESET") on stderr; Core says nothing: quietClientResets();
 * memory: true: nothing is written to disk, and the chain is gone when the node closes.
 */
import { createServer } from 'node:net'
import { createHash, randomBytes } from 'node:crypto'
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
  /** Stops the node; the port stays reserved for restart() or resume(). */
  stop(): Promise<void>
  /** performance.now() when stop() began closing the node (its RPC port), for detection times. */
  readonly stoppedAt: number | null
  /**
   * A new node on the same port holding the chain the stopped one had (memory only, so it is
   * re-synced block by block): bitcoind stopped and started on the same data.
   */
  resume(): Promise<void>
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
  const node = new bcoin.FullNode({
    network: 'regtest',
    memory: true,
    workers: false,
    listen: false,
    httpHost: '127.0.0.1',
    httpPort: port,
    apiKey,
    logLevel: 'error'
  })
  coreSubmitBlock(node)
  quietClientResets(node)
  return node
}

/** A client hanging up on the RPC server is the client's business, not a node error (see the quirks above). */
function quietClientResets(node: FullNode): void {
  const report = node.error.bind(node)
  node.error = (err: Error): void => {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ECONNRESET' || code === 'EPIPE') return
    report(err)
  }
}

/** submitblock answering with Core's words (see the quirks above). */
function coreSubmitBlock(node: FullNode): void {
  const original = node.rpc.calls.submitblock
  if (original === undefined) throw new Error('this bcoin has no submitblock handler')
  node.rpc.calls.submitblock = async (args: unknown[], help: boolean): Promise<string | null> => {
    const answer = await original.call(node.rpc, args, help)
    if (typeof answer === 'string') return answer.replace(/^rejected: /, '')
    if (help || typeof args[0] !== 'string') return answer
    // Accepted: connected (the new tip), or stored on a side chain, which Core calls inconclusive.
    const hash = sha256d(Buffer.from(args[0].slice(0, 160), 'hex'))
    const tip = node.chain.tip.hash // bcoin 1.0: internal-order hex; later versions: a Buffer
    const connected = typeof tip === 'string' ? hash.toString('hex') === tip : Buffer.compare(hash, tip) === 0
    return connected ? null : 'inconclusive'
  }
}

function sha256d(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(bytes).digest()).digest()
}

export async function startRegtest(): Promise<RegtestNode> {
  const port = await freePort()
  const user = 'hashcoop' // bcoin ignores the user name; Core checks it
  const password = 'regtest-' + randomBytes(12).toString('hex')
  const rpcUrl = `http://127.0.0.1:${port}`
  let node: FullNode | null = newNode(port, password)
  await node.open()
  /** Raw blocks 1..tip as they were when stop() was called. */
  let saved: string[] = []
  let stoppedAt: number | null = null
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
    get stoppedAt() {
      return stoppedAt
    },
    mine,
    mineToScript: (blocks, script) => mine(blocks, bcoinRegtestAddress(script)),
    refreshTemplate: () => node?.rpc.refreshBlock(),
    getBlockWithTransactions: async (hash) => {
      const block = await rpc.call<{ tx: VerboseTransaction[] }>('getblock', [hash, true, true])
      return block
    },
    stop: async () => {
      const running = node
      if (running === null) return
      saved = []
      const count = await rpc.getBlockCount()
      for (let h = 1; h <= count; h++) saved.push(await rpc.getBlock(await rpc.getBlockHash(h), 0))
      node = null
      stoppedAt = performance.now()
      const closing = running.close()
      // bcoin's close waits for open HTTP connections, and a longpoll never ends on its own: cut
      // them, as a stopped bitcoind would.
      running.http.http.closeAllConnections()
      await closing
    },
    resume: async () => {
      if (node !== null) throw new Error('resume() after stop() only')
      node = newNode(port, password)
      await node.open()
      for (const [i, raw] of saved.entries()) {
        const answer = await rpc.submitBlock(raw)
        if (!answer.accepted) throw new Error(`re-syncing block ${i + 1}: ${answer.reason}`)
      }
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
