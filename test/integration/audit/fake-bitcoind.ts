/**
 * A bitcoind stand-in on 127.0.0.1 speaking just the JSON-RPC the auditor uses (getblockchaininfo,
 * getblockheader, getblockhash, getblock hash 0), over blocks the test hands it: a block can be in
 * the best chain, off it (confirmations -1), or carry whatever coinbase the test chooses.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeBlock {
  /** Display-order hash. */
  hash: string
  height: number
  /** Raw serialized block, hex. */
  raw: string
  inBestChain: boolean
}

export interface FakeBitcoind {
  url: string
  user: string
  password: string
  blocks: Map<string, FakeBlock>
  chain: string
  calls: string[]
  close(): Promise<void>
}

export async function startFakeBitcoind(chain = 'regtest'): Promise<FakeBitcoind> {
  const user = 'auditor'
  const password = 'fake-secret'
  const fake: Omit<FakeBitcoind, 'url' | 'close'> = { user, password, blocks: new Map(), chain, calls: [] }
  const expectedAuth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.headers.authorization !== expectedAuth) {
        res.writeHead(401).end()
        return
      }
      const { id, method, params } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number; method: string; params: unknown[] }
      fake.calls.push(method)
      const reply = (result: unknown, error: { code: number; message: string } | null = null): void => {
        res.writeHead(error === null ? 200 : 500, { 'content-type': 'application/json' }).end(JSON.stringify({ result, error, id }))
      }
      const best = [...fake.blocks.values()].filter((b) => b.inBestChain)
      const tip = Math.max(0, ...best.map((b) => b.height))
      const block = typeof params[0] === 'string' ? fake.blocks.get(params[0]) : undefined
      switch (method) {
        case 'getblockchaininfo':
          return reply({ chain: fake.chain, blocks: tip, headers: tip, bestblockhash: '00'.repeat(32) })
        case 'getblockheader':
          if (block === undefined) return reply(null, { code: -5, message: 'Block not found' })
          return reply({ hash: block.hash, height: block.height, confirmations: block.inBestChain ? tip - block.height + 1 : -1, version: 0x20000000, merkleroot: '', time: 0, bits: '207fffff' })
        case 'getblockhash': {
          const at = best.find((b) => b.height === params[0])
          return at === undefined ? reply(null, { code: -8, message: 'Block height out of range' }) : reply(at.hash)
        }
        case 'getblock':
          if (block === undefined) return reply(null, { code: -5, message: 'Block not found' })
          return reply(block.raw)
        default:
          return reply(null, { code: -32601, message: 'Method not found' })
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    ...fake,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
