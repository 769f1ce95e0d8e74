/**
 * Reconnection figures (issue 16), `npm run bench reconnect`: the three-process cluster of
 * test/harness/process-cluster.ts on a loopback DHT testnet; ROUNDS rounds of kill -9 + restart
 * (founder, writer, non-writer in turn), then ROUNDS partition/heal rounds. For each kind: the
 * median and max time from the restart (the process is ready) or the heal (SIGCONT) to every pair
 * joined again (reconnect), and to one tip and history on all three (converge).
 */
import { emit } from './lib.js'
import { median, ProcessCluster } from '../harness/process-cluster.js'

const ROUNDS = 6

const cluster = await ProcessCluster.start('reconnect-bench')
try {
  for (const kind of ['restart', 'heal'] as const) {
    const reconnect: number[] = []
    const converge: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const r = kind === 'restart' ? await cluster.restartRound(round) : await cluster.partitionRound(round)
      reconnect.push(r.reconnectMs)
      converge.push(r.convergeMs)
      process.stderr.write(`[reconnect bench] ${kind} ${r.victim}: reconnect ${r.reconnectMs} ms, converge ${r.convergeMs} ms\n`)
    }
    emit({ name: `reconnect_after_${kind}_p50_ms`, value: median(reconnect), unit: 'ms', rounds: ROUNDS })
    emit({ name: `reconnect_after_${kind}_max_ms`, value: Math.max(...reconnect), unit: 'ms', rounds: ROUNDS })
    emit({ name: `converge_after_${kind}_p50_ms`, value: median(converge), unit: 'ms', rounds: ROUNDS })
    emit({ name: `converge_after_${kind}_max_ms`, value: Math.max(...converge), unit: 'ms', rounds: ROUNDS })
  }
} finally {
  await cluster.stop()
}
