/** Starts servers and miners for a test and tears all of them down afterwards. */
import { afterEach } from 'vitest'
import { StratumServer } from '../../../../src/stratum/server.js'
import type { Solution, SolutionVerdict, StratumServerOptions } from '../../../../src/stratum/types.js'
import { addressFor } from './fixtures.js'
import { TestMiner } from './test-miner.js'

export const ALICE = addressFor(0x41)
export const BOB = addressFor(0x42)

export interface Harness {
  server: StratumServer
  port: number
  solutions: Solution[]
  /** localAddress: connect from another loopback address (127.0.0.2, ...). */
  miner(localAddress?: string): Promise<TestMiner>
  /** A miner that has subscribed and authorized as ADDRESS.worker. */
  readyMiner(username?: string, password?: string): Promise<TestMiner & { extranonce1: string }>
}

type Options = Omit<StratumServerOptions, 'network' | 'onSolution'> & { onSolution?: (s: Solution) => SolutionVerdict | void | Promise<SolutionVerdict | void> }

const cleanups: (() => Promise<void>)[] = []

afterEach(async () => {
  const pending = cleanups.splice(0).reverse()
  for (const c of pending) await c()
})

export async function startServer(options: Options = {}): Promise<Harness> {
  const solutions: Solution[] = []
  const { onSolution, ...rest } = options
  const server = new StratumServer({
    network: 'mainnet',
    extranonce1Start: 0x100n,
    onSolution: (s) => {
      solutions.push(s)
      return onSolution?.(s)
    },
    ...rest
  })
  const { port } = await server.listen()
  cleanups.push(() => server.close())
  const miner = async (localAddress?: string): Promise<TestMiner> => {
    const m = await TestMiner.connect(port, localAddress)
    cleanups.push(async () => m.destroy())
    return m
  }
  return {
    server,
    port,
    solutions,
    miner,
    readyMiner: async (username = `${ALICE}.w1`, password = 'x') => {
      const m = await miner()
      const { extranonce1 } = await m.handshake(username, password)
      return Object.assign(m, { extranonce1 })
    }
  }
}
