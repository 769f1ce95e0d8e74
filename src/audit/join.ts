import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJoinKey, JoinKeyError } from '../coop/join-key.js'
import type { DhtChoice } from '../coop/dht-options.js'
import { shortKey, silentLogger, type CoopLogger } from '../coop/log.js'
import { openCoopStore } from '../coop/store.js'
import { CoopSwarm } from '../coop/swarm.js'
import type { ShareView } from '../sharechain/autobase.js'
import type { CoopBase } from '../coop/base.js'
import { openAuditBase } from './coop-base.js'
import { AuditSourceError, type AuditSource } from './log.js'
import { viewSource, type ReadableView } from './view-source.js'

export interface JoinOptions {
  joinKey: string
  dht: DhtChoice
  /** Give up after this long without reaching a member or catching up. */
  timeoutMs: number
  /** Caught up once nothing new arrived for this long (default 1500 ms). */
  settleMs?: number
  /** Status lines for people (waiting for peers, downloading...). */
  onStatus?: (line: string) => void
  log?: CoopLogger
}

/**
 * Joins a cooperative read-only and reads its share-chain once caught up. The auditor is never a
 * writer and never appends: its store is a fresh temporary dir (removed on close), it offers no
 * relay, and its Autobase has no ack timer. It replicates like any member, so what it reads is the
 * view the cooperative's indexers signed plus the tail its own apply (the node's) derived.
 *
 * Caught up means: a member passed the handshake, the system core (Autobase's signed history)
 * replicates with at least one peer and is as long as every such peer's, and neither it nor the
 * view changed for `settleMs` (the writers' not yet signed entries arrive and apply meanwhile).
 */
export async function joinCooperative(opts: JoinOptions): Promise<AuditSource> {
  let key
  try {
    key = decodeJoinKey(opts.joinKey)
  } catch (err) {
    if (err instanceof JoinKeyError) throw new AuditSourceError(err.message)
    throw err
  }
  const status = opts.onStatus ?? (() => {})
  const log = opts.log ?? silentLogger
  const deadline = Date.now() + opts.timeoutMs
  const dir = await mkdtemp(join(tmpdir(), 'hashcoop-audit-'))
  const cleanup: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })]
  const closeAll = async (): Promise<void> => {
    while (cleanup.length > 0) await (cleanup.pop() as () => Promise<void>)().catch(() => {})
  }
  try {
    const store = await openCoopStore(dir)
    cleanup.push(() => store.close())
    const base = await openAuditBase({ store: store.store, bootstrapKey: key.bootstrapKey, encryptionKey: key.encryptionKey, consensusId: key.consensusId, log })
    cleanup.push(() => base.close())
    let swarm: CoopSwarm
    try {
      swarm = await CoopSwarm.start({ base: base as CoopBase<unknown>, consensusId: key.consensusId, dht: opts.dht, keyPair: await store.store.createKeyPair('hashcoop-swarm'), log })
    } catch (err) {
      throw new AuditSourceError(`cannot reach the cooperative's network: ${(err as Error).message}`)
    }
    cleanup.push(() => swarm.close())
    const name = shortKey(key.bootstrapKey)
    status(`joining cooperative ${name} (read-only)...`)
    await waitForPeer(swarm, deadline, opts.timeoutMs, name)
    status(`connected to ${swarm.peerCount} member${swarm.peerCount === 1 ? '' : 's'}; downloading the share-chain...`)
    await waitCaughtUp(base, deadline, opts.timeoutMs, opts.settleMs ?? 1500, status)
    const snapshot = base.view.snapshot()
    cleanup.push(() => snapshot.close())
    return await viewSource(snapshot as unknown as ReadableView, { kind: 'join', label: `cooperative ${name}`, expectedConsensusId: key.consensusId, close: closeAll })
  } catch (err) {
    await closeAll()
    throw err
  }
}

function waitForPeer(swarm: CoopSwarm, deadline: number, timeoutMs: number, name: string): Promise<void> {
  if (swarm.peerCount > 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      swarm.off('peer-joined', onJoin)
      reject(new AuditSourceError(`cannot reach cooperative ${name}: no member answered within ${Math.round(timeoutMs / 1000)} s (is a node of it online? a private DHT needs --bootstrap host:port)`))
    }, Math.max(0, deadline - Date.now()))
    const onJoin = (): void => {
      clearTimeout(timer)
      resolve()
    }
    swarm.once('peer-joined', onJoin)
  })
}

interface PeerLength {
  remoteLength?: number
}

async function waitCaughtUp(base: CoopBase<ShareView>, deadline: number, timeoutMs: number, settleMs: number, status: (line: string) => void): Promise<void> {
  let last = ''
  let since = Date.now()
  let reported = -1
  for (;;) {
    await base.update()
    const core = base.autobase.core
    const peers = core.peers as readonly PeerLength[]
    const remote = Math.max(0, ...peers.map((p) => p.remoteLength ?? 0))
    const fingerprint = `${core.length}:${base.view.version}:${await base.hash()}`
    const now = Date.now()
    if (fingerprint !== last) {
      last = fingerprint
      since = now
    }
    // A peer on the system core first: before that its length says nothing about the cooperative's.
    if (peers.length > 0 && core.length >= remote && now - since >= settleMs) return
    if (core.length !== reported) {
      reported = core.length
      status(`  system log ${core.length}${remote > core.length ? ` of ${remote}` : ''} entries, view version ${base.view.version}`)
    }
    if (now > deadline) throw new AuditSourceError(`the share-chain did not finish downloading within ${Math.round(timeoutMs / 1000)} s (system log at ${core.length} of ${remote} entries); try a longer --timeout`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
