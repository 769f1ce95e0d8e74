import { resolve } from 'node:path'
import { toHex } from '../bitcoin/bytes.js'
import { bitsToTarget, targetToDifficulty } from '../bitcoin/target.js'
import { INIT_HELP, initSettings, type InitSettings } from '../config/init.js'
import { initCooperative } from '../node/node.js'
import { NETWORKS, type NetworkName } from '../bitcoin/networks.js'
import { registerCommand } from './commands.js'
import { reportUsage } from './usage.js'

/**
 * `hashcoop init`: a new cooperative in the data dir. The join key alone goes to stdout (so
 * `KEY=$(hashcoop init ...)` works); what was created and what to do next go to stderr.
 */
export interface InitIo {
  env: NodeJS.ProcessEnv
  out: (text: string) => void
  err: (text: string) => void
}

export async function runInit(argv: readonly string[], io: InitIo): Promise<number> {
  let settings: InitSettings | null
  try {
    settings = await initSettings(argv, io.env)
  } catch (err) {
    return reportUsage('init', err, io.err)
  }
  if (settings === null) {
    io.out(INIT_HELP + '\n')
    return 0
  }
  const dataDir = resolve(settings.dataDir)
  try {
    const { joinKey, params, key } = await initCooperative({ dataDir, network: settings.network, overrides: settings.overrides, private: settings.private })
    const d = (bits: number): string => String(Number(targetToDifficulty(bitsToTarget(bits)).toPrecision(6)))
    io.err(
      [
        `created ${settings.private ? 'a private' : 'a public'} ${params.network} cooperative "${params.name}" in ${dataDir}`,
        `consensus id       ${toHex(key.consensusId)}`,
        `share interval     ${params.shareInterval} s, PPLNS window ${params.windowShares} shares, finder bonus ${params.finderBonusBps / 100} %`,
        `share difficulty   first ${d(params.initialShareBits)}, easiest allowed ${d(params.maxShareBits)}`,
        settings.private ? 'the join key below carries the encryption key of this private cooperative: give it to members only' : 'the join key below is all a member needs (share it with the members)',
        ...nextSteps(dataDir, params.network),
        'join key:',
        ''
      ].join('\n')
    )
    io.out(joinKey + '\n')
    return 0
  } catch (err) {
    io.err(`hashcoop init: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
}

/**
 * The command to run next, with Bitcoin Core's defaults for the network (RPC port, cookie path).
 * Off mainnet, the node is pointed at a private DHT: a test cooperative has no business on the
 * public HyperDHT, and a new operator copies what is printed here.
 */
export function nextSteps(dataDir: string, network: NetworkName): string[] {
  const core = NETWORKS[network].core
  const cookie = core.dataSubdir === '' ? '~/.bitcoin/.cookie' : `~/.bitcoin/${core.dataSubdir}/.cookie`
  const command = `hashcoop node --data ${dataDir} --bitcoind http://127.0.0.1:${core.rpcPort} --rpc-cookie ${cookie}`
  if (network === 'mainnet') return [`next: ${command}`]
  return [
    `next: ${command} --bootstrap HOST:PORT`,
    `      (a ${network} cooperative: give every node a private DHT bootstrap node with --bootstrap; see "A private DHT" in docs/operator-guide.md)`
  ]
}

registerCommand({
  name: 'init',
  summary: 'create a cooperative and print its join key',
  run: (argv) => runInit(argv, { env: process.env, out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) })
})
