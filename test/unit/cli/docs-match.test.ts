/**
 * Issue 16 (6): what the docs and help texts tell an operator is checked against what the commands
 * do: init's suggested command per network, the node's --zmq / --poll-ms help, the authorize
 * error the miner guide quotes (from a real stratum server), and the alert advice of the operator
 * guide against the node's found-block log lines.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runInit } from '../../../src/cli/init.js'
import { NODE_HELP } from '../../../src/config/node.js'
import { StratumServer } from '../../../src/stratum/server.js'
import { blockLogLine } from '../../../src/blocks/messages.js'
import type { BlockStatus, FoundBlockRecord } from '../../../src/blocks/store.js'
import type { ChangeCause } from '../../../src/blocks/found-blocks.js'
import { TestMiner } from '../stratum/support/test-miner.js'

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url))
const doc = (name: string): string => readFileSync(join(DOCS, name), 'utf8')

async function initLines(network: string): Promise<{ next: string; all: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'hashcoop-init-doc-'))
  try {
    let err = ''
    const code = await runInit(['--network', network, '--data', dir], { env: {}, out: () => {}, err: (t) => (err += t) })
    expect(code, err).toBe(0)
    const next = err.split('\n').find((l) => l.startsWith('next: ')) ?? ''
    return { next: next.replace(dir, '<DIR>'), all: err }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('docs match the commands', () => {
  it("init --network regtest suggests Core's regtest port and cookie, and a private DHT", async () => {
    const { next } = await initLines('regtest')
    expect(next).toBe('next: hashcoop node --data <DIR> --bitcoind http://127.0.0.1:18443 --rpc-cookie ~/.bitcoin/regtest/.cookie --bootstrap HOST:PORT')
    // The operator guide shows the same line.
    expect(doc('operator-guide.md')).toContain('--bitcoind http://127.0.0.1:18443 --rpc-cookie ~/.bitcoin/regtest/.cookie --bootstrap HOST:PORT')
  })

  it('init suggests each network its own Core defaults; only mainnet goes without --bootstrap', async () => {
    expect((await initLines('mainnet')).next).toBe('next: hashcoop node --data <DIR> --bitcoind http://127.0.0.1:8332 --rpc-cookie ~/.bitcoin/.cookie')
    expect((await initLines('testnet')).next).toContain('--bitcoind http://127.0.0.1:18332 --rpc-cookie ~/.bitcoin/testnet3/.cookie --bootstrap')
    expect((await initLines('signet')).next).toContain('--bitcoind http://127.0.0.1:38332 --rpc-cookie ~/.bitcoin/signet/.cookie --bootstrap')
  })

  it('node --help says what --zmq and --poll-ms do, and the guide prints the same help', () => {
    const zmq = NODE_HELP.split('\n').find((l) => l.trimStart().startsWith('--zmq')) ?? ''
    expect(zmq).toContain('getblocktemplate longpoll')
    expect(zmq).not.toContain('none, poll)')
    const poll = NODE_HELP.split('\n').find((l) => l.trimStart().startsWith('--poll-ms')) ?? ''
    expect(poll).toContain('liveness')
    const guide = doc('operator-guide.md')
    expect(guide).toContain(zmq)
    expect(guide).toContain(poll)
  })

  it("the guide says where a test network's Core options go", () => {
    const guide = doc('operator-guide.md')
    for (const section of ['[test]', '[testnet4]', '[signet]', '[regtest]']) expect(guide).toContain(`\`${section}\``)
  })

  it("the miner guide quotes the authorize error a real stratum server sends", async () => {
    const server = new StratumServer({ network: 'mainnet', onSolution: () => undefined })
    const { port } = await server.listen()
    try {
      const miner = await TestMiner.connect(port)
      await miner.request('mining.subscribe', [])
      const answer = (await miner.request('mining.authorize', ['bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', 'x'])) as { error: [number, string, null] }
      const row = doc('miner-guide.md').match(/authorize answered `\[(\d+), "([^"]*)\.\.\."\]`/)
      expect(row, 'the miner guide row').not.toBeNull()
      expect(answer.error[0]).toBe(Number(row?.[1]))
      expect(answer.error[1].startsWith(row?.[2] as string), answer.error[1]).toBe(true)
      expect(doc('miner-guide.md')).toContain('rejected `busy`')
    } finally {
      await server.close()
    }
  })

  it("the operator guide's alert advice quotes the node's found-block log lines at their levels", () => {
    const guide = doc('operator-guide.md').replace(/\s+/g, ' ')
    const line = (status: BlockStatus, reason: string | null, cause: ChangeCause, previous: BlockStatus | null = null) => {
      const record: FoundBlockRecord = { hash: 'HASH', height: 7, prevHash: null, finder: null, seenAt: 0, submittedHere: true, status, reason, confirmations: 1, checkedAt: 0, final: false, attempts: [], blockHex: null }
      return blockLogLine({ record, previous, cause })
    }
    const cases = [
      { got: line('rejected', 'REASON', 'submit'), level: 'error', quoted: 'block N HASH rejected by bitcoind as invalid: REASON' },
      { got: line('unsubmitted', '...', 'submit'), level: 'warn', quoted: 'block N HASH could not be submitted, bitcoind unreachable (...); kept, will resubmit while it can still win' },
      { got: line('accepted', null, 'resubmit'), level: 'info', quoted: 'block N HASH resubmitted and accepted by bitcoind' },
      { got: line('abandoned', 'REASON', 'abandon'), level: 'warn', quoted: 'block N HASH abandoned: REASON' },
      { got: line('accepted', null, 'submit'), level: 'info', quoted: 'block N HASH submitted and accepted by bitcoind' },
      { got: line('in-best-chain', null, 'check', 'accepted'), level: 'info', quoted: "block N HASH is in bitcoind's best chain (1 confirmation)" },
      { got: line('race-lost', 'inconclusive', 'submit'), level: 'info', quoted: "block N HASH submitted, lost a race: bitcoind answered 'inconclusive'" }
    ]
    for (const c of cases) {
      expect(guide).toContain(c.quoted)
      expect(c.got?.level).toBe(c.level)
      expect(c.got?.message.replace('block 7 ', 'block N ')).toContain(c.quoted.replace(/\(\.\.\.\)/, '(...)'))
    }
  })
})
