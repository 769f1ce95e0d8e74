import { parseInteger, parseChoice } from '../config/values.js'
import { resolveOptions } from '../config/sources.js'
import { optionsHelp, type OptionSpec } from '../config/spec.js'
import { HELP_OPTION } from '../config/node.js'
import { createLogger, LOG_LEVELS, type LogLevel } from '../log/logger.js'
import { Demo, DemoStopped } from '../demo/cooperative.js'
import { EventLog } from '../demo/events.js'
import { collectSummary, renderSummary } from '../demo/summary.js'
import { registerCommand } from './commands.js'
import { exitSoonAfterStop, untilSignal } from './signals.js'
import { reportUsage } from './usage.js'

const DEMO_OPTIONS: OptionSpec[] = [
  { name: 'nodes', kind: 'string', valueName: 'N', help: 'cooperative nodes, 1-8 (node 1 founds it, node 2 is added as a writer, the rest stay non-writers)', default: '3' },
  { name: 'miners', kind: 'string', valueName: 'N', help: 'CPU miners (1 thread each), 1-16, spread over the nodes', default: '3' },
  { name: 'duration', kind: 'string', valueName: 'SEC', help: 'stop by itself after SEC seconds (0: run until Ctrl-C)', default: '0' },
  { name: 'http-port', kind: 'string', valueName: 'PORT', help: "node 1's dashboard and API port on 127.0.0.1 (0: any free port)", default: '8080' },
  { name: 'refresh', kind: 'string', valueName: 'MS', help: 'summary refresh interval, 250-10000 ms', default: '1000' },
  { name: 'log-level', kind: 'string', valueName: 'LEVEL', help: `level of the events shown: ${LOG_LEVELS.join('|')}`, default: 'info' },
  HELP_OPTION
]

export const DEMO_HELP = `Usage: hashcoop demo [options]

Runs a whole cooperative on this machine, on loopback only: a local DHT testnet, an in-process
bcoin regtest node (segwit activated first), a cooperative of nodes and CPU miners. Prints a live
summary (shares, blocks, the next payout split, hashrate, peers) and serves the dashboard.
Ctrl-C stops everything cleanly. Nothing is kept: the data dirs are temporary.

Options:
${optionsHelp(DEMO_OPTIONS)}`

export interface DemoIo {
  env: NodeJS.ProcessEnv
  out: { write(text: string): unknown; isTTY?: boolean }
  err: (text: string) => void
  stopped: () => Promise<unknown>
}

interface DemoSettings {
  nodes: number
  miners: number
  durationSec: number
  httpPort: number
  refreshMs: number
  logLevel: LogLevel
}

async function demoSettings(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<DemoSettings | null> {
  const o = await resolveOptions(DEMO_OPTIONS, { argv, env })
  if (o.flag('help')) return null
  return {
    nodes: o.parse('nodes', (t) => parseInteger(t, 1, 8)) as number,
    miners: o.parse('miners', (t) => parseInteger(t, 1, 16)) as number,
    durationSec: o.parse('duration', (t) => parseInteger(t, 0, 86_400)) as number,
    httpPort: o.parse('http-port', (t) => parseInteger(t, 0, 65_535)) as number,
    refreshMs: o.parse('refresh', (t) => parseInteger(t, 250, 10_000)) as number,
    logLevel: o.parse('log-level', (t) => parseChoice(t, LOG_LEVELS)) as LogLevel
  }
}

/** Clear the screen and home the cursor (only on a terminal). */
const REDRAW = '\x1b[H\x1b[2J'

export async function runDemo(argv: readonly string[], io: DemoIo): Promise<number> {
  let s: DemoSettings | null
  try {
    s = await demoSettings(argv, io.env)
  } catch (err) {
    return reportUsage('demo', err, io.err)
  }
  if (s === null) {
    io.out.write(DEMO_HELP + '\n')
    return 0
  }
  const tty = io.out.isTTY === true
  // On a terminal the events live in the redrawn screen; elsewhere each one is printed as it comes.
  const events = new EventLog(tty ? 6 : 0, tty ? null : (line) => io.out.write(line + '\n'))
  const logger = createLogger({ level: s.logLevel, format: 'json', destination: events })
  const stop = io.stopped()
  const timer = s.durationSec > 0 ? new Promise((r) => setTimeout(r, s.durationSec * 1000).unref()) : new Promise(() => {})

  io.out.write(`hashcoop demo: ${s.nodes} node${s.nodes === 1 ? '' : 's'}, ${s.miners} CPU miner${s.miners === 1 ? '' : 's'}, all on 127.0.0.1\n`)
  const demo = new Demo({ nodes: s.nodes, miners: s.miners, httpPort: s.httpPort, logger, ...(tty ? { progress: (line: string) => io.out.write(`  ${line}\n`) } : {}) })
  const startup = demo.start().then(
    () => 'started' as const,
    (err: unknown) => err
  )
  const first = await Promise.race([startup, stop.then(() => 'stop' as const)])
  if (first !== 'started') {
    await demo.stop()
    if (first === 'stop' || (await startup) instanceof DemoStopped) {
      io.out.write('stopped before the demo was up\n')
      return 0
    }
    io.err(`hashcoop demo: ${first instanceof Error ? first.message : String(first)}\n`)
    return 1
  }

  io.out.write(`dashboard: ${demo.dashboardUrl}\n`)
  let drawing = false
  const draw = async (final = false): Promise<void> => {
    if (drawing) return
    drawing = true
    try {
      const lines = renderSummary(await collectSummary(demo, events.recent))
      io.out.write(tty && !final ? REDRAW + lines.join('\n') + '\n' : `\n${lines.join('\n')}\n`)
    } catch (err) {
      logger.debug({ err: String(err) }, 'summary failed')
    } finally {
      drawing = false
    }
  }
  // Off a terminal there is no screen to refresh: a summary every few refreshes is enough to read.
  const every = tty ? s.refreshMs : Math.max(2_000, s.refreshMs)
  const ticker = setInterval(() => void draw(), every)
  await draw()
  await Promise.race([stop, timer])
  clearInterval(ticker)
  while (drawing) await new Promise((r) => setTimeout(r, 20)) // the last summary must not be skipped
  await draw(true)
  io.out.write('stopping the demo...\n')
  await demo.stop()
  io.out.write('stopped\n')
  return 0
}

registerCommand({
  name: 'demo',
  summary: 'run a whole cooperative on this machine (regtest, CPU miners) with a live summary',
  run: async (argv) => {
    const code = await runDemo(argv, { env: process.env, out: process.stdout, err: (t) => process.stderr.write(t), stopped: untilSignal })
    exitSoonAfterStop()
    return code
  }
})
