import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ApiServer } from '../api/server.js'
import { newToken, removeApiFile, writeApiFile } from '../api/admin.js'
import { toHex } from '../bitcoin/bytes.js'
import { NODE_HELP, nodeSettings, type NodeSettings } from '../config/node.js'
import type { StratumTlsSettings } from '../config/stratum-options.js'
import { coopLogger, createLogger, stratumLogger, watchTip, type Logger } from '../log/index.js'
import { HashcoopNode } from '../node/node.js'
import type { DhtChoice } from '../coop/dht-options.js'
import type { DestinationStream } from 'pino'
import { startAlerts } from '../notify/index.js'
import { registerCommand } from './commands.js'
import { exitSoonAfterStop, untilSignal } from './signals.js'
import { reportUsage } from './usage.js'

/**
 * `hashcoop node`: the node (src/node/), its HTTP API and dashboard (src/api/), pino logs, until
 * SIGINT/SIGTERM. While it runs, its data dir holds api.json (the API's URL and an admin token,
 * mode 0600) for `hashcoop coop ...`; it is removed on a clean stop.
 */
export interface NodeRunIo {
  env: NodeJS.ProcessEnv
  out: (text: string) => void
  err: (text: string) => void
  /** Resolves when the node should stop. */
  stopped: () => Promise<unknown>
  /** Called once everything listens (tests learn the ports here). */
  onReady?: (ready: { node: HashcoopNode; api: ApiServer | null }) => void
  /** Overrides the DHT the options choose (tests: a loopback testnet node). */
  dht?: DhtChoice
  /** Where log lines go (default stdout). */
  logDestination?: DestinationStream
}

export async function runNode(argv: readonly string[], io: NodeRunIo): Promise<number> {
  let settings: NodeSettings | null
  try {
    settings = await nodeSettings(argv, io.env)
  } catch (err) {
    return reportUsage('node', err, io.err)
  }
  if (settings === null) {
    io.out(NODE_HELP + '\n')
    return 0
  }
  if (io.dht !== undefined) settings.dht = io.dht
  const logger = createLogger({ level: settings.logLevel, format: settings.logFormat, ...(io.logDestination !== undefined ? { destination: io.logDestination } : {}) })
  logger.info({ config: settings.effective }, 'starting hashcoop node')
  return serve(settings, logger, io)
}

async function serve(settings: NodeSettings, logger: Logger, io: NodeRunIo): Promise<number> {
  const log = coopLogger(logger)
  let node: HashcoopNode
  try {
    node = await HashcoopNode.start({
      dataDir: settings.dataDir,
      ...(settings.joinKey !== undefined ? { joinKey: settings.joinKey } : {}),
      bitcoind: settings.bitcoind,
      stratum: {
        host: settings.stratum.host,
        port: settings.stratum.port,
        startDifficulty: settings.stratum.startDifficulty,
        maxShareRate: settings.stratum.maxShareRate,
        ...settings.stratum.limits,
        coinbaseLimitRules: settings.stratum.coinbaseLimitRules,
        ...(settings.stratum.tls === null ? {} : { tls: await readTls(settings.stratum.tls) }),
        logger: stratumLogger(logger.child({ component: 'stratum' }))
      },
      dht: settings.dht,
      tag: settings.tag,
      genesisTimeoutMs: settings.genesisTimeoutMs,
      restoredAlone: settings.restoredAlone,
      logger: log
    })
  } catch (err) {
    logger.fatal({ err: err instanceof Error ? err.message : String(err) }, `cannot start: ${err instanceof Error ? err.message : String(err)}`)
    return 1
  }
  const dataDir = resolve(settings.dataDir)
  let api: ApiServer | null = null
  const token = newToken()
  try {
    if (settings.http !== null) {
      api = await ApiServer.start({ node, host: settings.http.host, port: settings.http.port, adminToken: token, logger: coopLogger(logger.child({ component: 'api' })) })
      await writeApiFile(dataDir, { url: api.url, token, pid: process.pid })
      logger.info({ url: api.url }, `dashboard and API on ${api.url}/ (metrics on ${api.url}/metrics)`)
    }
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `--http ${settings.http?.host}:${settings.http?.port} is already in use` : err instanceof Error ? err.message : String(err)
    logger.fatal({}, `cannot start the HTTP API: ${why}`)
    await api?.close()
    await node.stop()
    return 1
  }
  const writerKey = toHex(node.base.localKey)
  logger.info(
    { writerKey, writable: node.base.writable, indexer: node.base.isIndexer },
    node.base.writable ? `this node's writer key: ${writerKey}` : `this node's writer key: ${writerKey} (not a writer: its shares go in as optimistic appends; an indexer can run 'hashcoop coop add-writer ${writerKey}')`
  )
  const unwatch = watchTip(node, log)
  const alerts = settings.notify === null ? null : startAlerts(node, settings.notify, logger.child({ component: 'notify' }))
  io.onReady?.({ node, api })
  // A signal stops the node cleanly (exit 0); a failed disk stops it by itself (exit 1, at fatal level).
  const failed = new Promise<string>((resolve) => node.once('fatal', (e) => resolve(e.reason)))
  const ended = await Promise.race([io.stopped().then((signal) => ({ signal })), failed.then((reason) => ({ reason }))])
  if ('signal' in ended) logger.info({ signal: String(ended.signal) }, 'stopping')
  unwatch()
  alerts?.close()
  await api?.close().catch(() => {})
  await removeApiFile(dataDir, token).catch(() => {})
  await node.stop()
  if ('reason' in ended) {
    logger.fatal({ reason: ended.reason }, `stopped: the data dir's storage failed (${ended.reason})`)
    return 1
  }
  logger.info({}, 'stopped')
  return 0
}

registerCommand({
  name: 'node',
  summary: 'run a cooperative node: share-chain, bitcoind templates, stratum, HTTP API',
  run: async (argv) => {
    const code = await runNode(argv, { env: process.env, out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), stopped: untilSignal })
    exitSoonAfterStop()
    return code
  }
})

/** The TLS certificate and key files, read before anything starts (a missing file names itself). */
async function readTls(t: StratumTlsSettings): Promise<{ host: string; port: number; cert: string; key: string }> {
  const read = async (file: string, what: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8')
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} ${file}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  return { host: t.host, port: t.port, cert: await read(t.certFile, 'certificate (--tls-cert)'), key: await read(t.keyFile, 'key (--tls-key)') }
}
