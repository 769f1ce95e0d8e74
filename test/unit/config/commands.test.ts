/**
 * The commands refuse a bad command line before doing anything: exit status 2, and a message on
 * stderr that names the option and points at --help.
 */
import { describe, expect, it } from 'vitest'
import { runCoop } from '../../../src/cli/coop.js'
import { runDemo } from '../../../src/cli/demo.js'
import { runInit } from '../../../src/cli/init.js'
import { runNode } from '../../../src/cli/node.js'

interface Captured {
  code: number
  out: string
  err: string
}

async function capture(run: (io: { env: NodeJS.ProcessEnv; out: (t: string) => void; err: (t: string) => void }) => Promise<number>, env: NodeJS.ProcessEnv = {}): Promise<Captured> {
  let out = ''
  let err = ''
  const code = await run({ env, out: (t) => (out += t), err: (t) => (err += t) })
  return { code, out, err }
}

const never = (): Promise<never> => new Promise(() => {})

describe('command lines refused with the option named', () => {
  const cases: [command: string, argv: string[], option: RegExp, env?: NodeJS.ProcessEnv][] = [
    ['node', ['--stratum', 'nowhere', '--rpc-cookie', '/c'], /--stratum: expected HOST:PORT/],
    ['node', ['--rpc-cookie', '/c'], /--log-level: expected one of trace, debug/, { HASHCOOP_LOG_LEVEL: 'chatty' }],
    ['node', ['--bitcoind', 'http://127.0.0.1:8332'], /--rpc-cookie: bitcoind needs credentials/],
    ['init', ['--network', 'moon'], /--network: expected one of mainnet, testnet, testnet4, signet, regtest/],
    ['init', ['--finder-bonus-bps', '5000'], /--finder-bonus-bps: at most 1000/],
    ['demo', ['--miners', '0'], /--miners: expected an integer 1-16/],
    ['demo', ['--nodes', '9'], /--nodes: expected an integer 1-8/],
    ['demo', ['--duration', '-1'], /--duration: /],
    ['demo', ['--http-port', '65536'], /--http-port: expected an integer 0-65535/],
    ['coop', ['add-writer'], /KEY.*writer key/],
    ['coop', ['add-writer', 'abc'], /KEY: a writer key is 64 hex digits/],
    ['coop', ['promote', 'ab'.repeat(32)], /unknown operation 'promote'/],
    ['coop', [], /give an operation: add-writer, add-indexer, remove-indexer, key/]
  ]
  for (const [command, argv, message, env] of cases) {
    it(`hashcoop ${command} ${argv.join(' ')}`, async () => {
      const r = await capture((io) => {
        if (command === 'node') return runNode(argv, { ...io, stopped: never })
        if (command === 'init') return runInit(argv, io)
        if (command === 'coop') return runCoop(argv, io)
        return runDemo(argv, { env: io.env, out: { write: io.out }, err: io.err, stopped: never })
      }, env)
      expect(r.code).toBe(2)
      expect(r.err).toMatch(message)
      expect(r.err).toContain(`Run 'hashcoop ${command} --help' for the options.`)
      expect(r.out).toBe('')
    })
  }

  it('prints each command help and exits 0', async () => {
    const node = await capture((io) => runNode(['--help'], { ...io, stopped: never }))
    expect(node.code).toBe(0)
    expect(node.out).toContain('Usage: hashcoop node')
    const init = await capture((io) => runInit(['-h'], io))
    expect(init.out).toContain('Usage: hashcoop init')
    const coop = await capture((io) => runCoop(['--help'], io))
    expect(coop.out).toContain('add-writer KEY')
    const demo = await capture((io) => runDemo(['--help'], { env: io.env, out: { write: io.out }, err: io.err, stopped: never }))
    expect(demo.out).toContain('--duration SEC')
  })
})
