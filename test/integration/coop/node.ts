// One cooperative node for the integration tests: store + base + swarm on a local testnet,
// with a log recorder to assert on. Close order: swarm, base, store.

import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CoopBase } from '../../../src/coop/base.js'
import type { DhtChoice } from '../../../src/coop/dht-options.js'
import type { CoopLogger, LogFields } from '../../../src/coop/log.js'
import { openCoopStore, type CoopStore } from '../../../src/coop/store.js'
import { CoopSwarm } from '../../../src/coop/swarm.js'
import { checkToyShare, toyHandlers, toyLabels, type ToyView } from './toy-chain.js'

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  msg: string
  fields: LogFields
}

export function recordingLogger(name: string, lines: LogLine[], echo = process.env.COOP_TEST_LOG === '1'): CoopLogger {
  const rec = (level: LogLine['level']) => (fields: LogFields, msg: string) => {
    lines.push({ level, msg, fields })
    if (echo) console.log(`[${name}] ${level} ${msg}`)
  }
  return { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') }
}

export function newConsensusId(): Uint8Array {
  return createHash('sha256').update(`toy genesis ${randomBytes(16).toString('hex')}`).digest()
}

export interface TestNode {
  name: string
  dataDir: string
  store: CoopStore
  base: CoopBase<ToyView>
  swarm: CoopSwarm
  logs: LogLine[]
  labels(): Promise<string[]>
  /** Close swarm, base, store; keep the data dir. */
  stop(): Promise<void>
}

export interface NodeOptions {
  name: string
  bootstrapKey: Uint8Array | null
  consensusId: Uint8Array
  encryptionKey?: Uint8Array | null
  dht: DhtChoice
  /** Reuse a data dir (restart); default: a new temp dir. */
  dataDir?: string
  handshakeTimeoutMs?: number
}

/** Temp dirs created by startNode, for the test's afterAll to delete. */
export const createdDirs: string[] = []

export async function removeCreatedDirs(): Promise<void> {
  while (createdDirs.length) await rm(createdDirs.pop() as string, { recursive: true, force: true })
}

export async function startNode(opts: NodeOptions): Promise<TestNode> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), `hashcoop-${opts.name}-`)))
  if (!opts.dataDir) createdDirs.push(dataDir)
  const logs: LogLine[] = []
  const log = recordingLogger(opts.name, logs)
  const store = await openCoopStore(dataDir)
  const base = await CoopBase.open<ToyView>({
    store: store.store,
    bootstrapKey: opts.bootstrapKey,
    encryptionKey: opts.encryptionKey ?? null,
    ...toyHandlers,
    log
  })
  const swarm = await CoopSwarm.start({
    base,
    consensusId: opts.consensusId,
    dht: opts.dht,
    keyPair: await store.store.createKeyPair('hashcoop-swarm'),
    checkRelayed: checkToyShare,
    log,
    ...(opts.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: opts.handshakeTimeoutMs })
  })
  let stopping: Promise<void> | null = null
  return {
    name: opts.name,
    dataDir,
    store,
    base,
    swarm,
    logs,
    labels: () => toyLabels(base.view),
    stop() {
      stopping ??= (async () => {
        await swarm.close()
        await base.close()
        await store.close()
      })()
      return stopping
    }
  }
}

/** Resolve when `check` holds, polling; reject with `what` after timeoutMs. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
