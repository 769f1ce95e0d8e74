// Networking for one cooperative: find peers on the base's discovery key, prove to each other
// that we run the same cooperative (protocol.ts), then replicate the Autobase and offer relays.
//
// Per connection:
//   1. open the 'hashcoop/v1' channel on the connection's Protomux and send our proof;
//   2. on the peer's proof: mismatch -> log, ban, drop; match -> base.replicate(conn),
//      the peer counts as joined ('peer-joined', count);
//   3. no proof within handshakeTimeoutMs -> log, drop (not a hashcoop node, or too old);
//      nothing at all received within silentAfterMs -> drop quietly and redial (liveness.ts).
// Every connection sends keepalives and is dropped when the peer goes quiet (deadAfterMs); while a
// peer we had is missing, the topic lookup re-runs with backoff, so a restarted or healed peer is
// found again within seconds (liveness.ts says why each of these is needed).
// Replication starts only after step 2, so a peer of another cooperative never gets our cores.
//
// Relay (a path beside optimistic appends): a node that is not a writer can `relay(value)`; a
// connected writer checks it with the node's `checkRelayed` (cheap, context-free share checks)
// and appends it as its own input. The apply still validates it like any other value.

import { EventEmitter } from 'node:events'
import Hyperswarm from 'hyperswarm'
import Protomux from 'protomux'
import { hyperswarmOptions, type DhtChoice } from './dht-options.js'
import { DEFAULT_LIVENESS, Rediscovery, type LivenessOptions } from './liveness.js'
import { errorMessage, shortKey, silentLogger, type CoopLogger } from './log.js'
import {
  handshakeCodec,
  peerProof,
  PROTOCOL,
  PROTOCOL_VERSION,
  ProtocolError,
  relayCodec,
  relayResultCodec,
  statusCodec,
  verifyPeerProof,
  type Handshake,
  type ProofContext,
  type RelayMessage,
  type RelayResultMessage,
  type StatusMessage
} from './protocol.js'

type Conn = Hyperswarm.NoiseSecretStream

/** A connected peer that passed the handshake. */
export interface CoopPeer {
  /** The peer's Noise public key (its network identity, not its writer key). */
  readonly publicKey: Uint8Array
  /** Hex of publicKey, the map key in `peers`. */
  readonly id: string
  /** Whether the peer says it is a writer (can serve relays). */
  writer: boolean
}

/** Answer of `checkRelayed`: true to append, or the reason for refusing. */
export type RelayVerdict = true | string

/**
 * What the swarm needs of the cooperative's log: a CoopBase, or (restored-guard.ts) a bare store
 * that replicates without an Autobase, to look at the cooperative before the log opens.
 */
export interface SwarmBase {
  readonly key: Uint8Array
  readonly discoveryKey: Uint8Array
  readonly writable: boolean
  readonly autobase: {
    on(event: 'writable' | 'unwritable', listener: () => void): unknown
    off(event: 'writable' | 'unwritable', listener: () => void): unknown
    replicate(conn: Conn): unknown
  }
  append(value: Uint8Array): Promise<void>
}

export interface CoopSwarmOptions {
  base: SwarmBase
  consensusId: Uint8Array
  dht: DhtChoice
  /** Stable network identity, e.g. `await store.createKeyPair('hashcoop-swarm')`. */
  keyPair?: Hyperswarm.KeyPair
  /**
   * Cheap validation of a value a peer asks us to append. Without it we never append for
   * others (relay requests are answered "relay not offered"). May be async: our append carries
   * our own causal heads, not the relayer's, so a value that depends on another entry (a share on
   * its parent) must not be appended before that entry is in our view, or apply sees it first.
   */
  checkRelayed?: (value: Uint8Array) => RelayVerdict | Promise<RelayVerdict>
  /** Most relay appends in flight per peer (default 16). */
  maxRelaysInFlight?: number
  handshakeTimeoutMs?: number
  /** Keepalive, dead-peer, silent-connection and rediscovery timings (DEFAULT_LIVENESS). */
  liveness?: Partial<LivenessOptions>
  log?: CoopLogger
}

export class RelayError extends Error {
  override name = 'RelayError'
}

interface PeerState extends CoopPeer {
  conn: Conn
  status: Protomux.Message<StatusMessage>
  relay: Protomux.Message<RelayMessage>
  relayResult: Protomux.Message<RelayResultMessage>
  relaysInFlight: number
}

interface PendingRelay {
  peer: PeerState
  resolve: () => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

export interface CoopSwarmEvents {
  'peer-joined': [peer: CoopPeer, count: number]
  'peer-left': [peer: CoopPeer, count: number]
  'peer-refused': [publicKey: Uint8Array, reason: string]
}

export class CoopSwarm extends EventEmitter<CoopSwarmEvents> {
  readonly swarm: Hyperswarm
  private readonly joined = new Map<string, PeerState>()
  private readonly pendingRelays = new Map<number, PendingRelay>()
  private nextRelayId = 1
  private closing: Promise<void> | null = null
  private readonly log: CoopLogger
  private readonly handshakeTimeoutMs: number
  private readonly maxRelaysInFlight: number
  private readonly liveness: LivenessOptions
  private readonly rediscovery: Rediscovery
  private discovery: Hyperswarm.PeerDiscovery | null = null
  private readonly onWritableChange: () => void

  private constructor(private readonly opts: CoopSwarmOptions) {
    super()
    this.log = opts.log ?? silentLogger
    this.handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 10_000
    this.maxRelaysInFlight = opts.maxRelaysInFlight ?? 16
    this.liveness = { ...DEFAULT_LIVENESS, ...opts.liveness }
    this.rediscovery = new Rediscovery(
      async () => {
        this.log.debug({ missing: this.rediscovery.missingCount }, `looking up the cooperative's peers again (${this.rediscovery.missingCount} missing)`)
        await this.discovery?.refresh()
      },
      this.liveness,
      (err) => this.log.debug({ err: errorMessage(err) }, `peer lookup failed: ${errorMessage(err)}`)
    )
    if (opts.consensusId.length !== 32) throw new Error('consensus id must be 32 bytes')

    const swarmOpts = hyperswarmOptions(opts.dht)
    if (opts.keyPair) swarmOpts.keyPair = opts.keyPair
    this.swarm = new Hyperswarm(swarmOpts)
    this.swarm.on('connection', (conn: Conn, info: Hyperswarm.PeerInfo) => this.onConnection(conn, info))

    this.onWritableChange = () => this.broadcastStatus()
    opts.base.autobase.on('writable', this.onWritableChange)
    opts.base.autobase.on('unwritable', this.onWritableChange)
  }

  /** Join the cooperative's topic; resolves once we are announced on the DHT. */
  static async start(opts: CoopSwarmOptions): Promise<CoopSwarm> {
    const coop = new CoopSwarm(opts)
    const discovery = coop.swarm.join(opts.base.discoveryKey, { server: true, client: true })
    coop.discovery = discovery
    try {
      await discovery.flushed()
    } catch (err) {
      await coop.close()
      throw new Error(`cannot announce on the DHT: ${errorMessage(err)}`, { cause: err })
    }
    coop.log.info({ topic: shortKey(opts.base.discoveryKey), publicKey: shortKey(coop.publicKey) }, 'joined the cooperative swarm')
    return coop
  }

  get publicKey(): Uint8Array {
    return this.swarm.keyPair.publicKey
  }

  /** Peers that passed the handshake. */
  get peers(): ReadonlyMap<string, CoopPeer> {
    return this.joined
  }

  get peerCount(): number {
    return this.joined.size
  }

  private proofContext(conn: Conn): ProofContext | null {
    if (!conn.handshakeHash) return null
    return { consensusId: this.opts.consensusId, bootstrapKey: this.opts.base.key, handshakeHash: conn.handshakeHash }
  }

  private onConnection(conn: Conn, info: Hyperswarm.PeerInfo): void {
    const remote = conn.remotePublicKey ?? info.publicKey
    const name = `peer ${shortKey(remote)}`
    conn.on('error', (err: Error) => {
      if (err instanceof ProtocolError) {
        this.log.warn({ peer: shortKey(remote), err: err.message }, `${name}: ${err.message}: dropped`)
      } else {
        // Resets and timeouts are ordinary churn.
        this.log.debug({ peer: shortKey(remote), err: err.message }, `${name}: connection error: ${err.message}`)
      }
    })

    if (this.closing !== null) {
      conn.destroy()
      return
    }

    // A peer killed -9 or cut off goes quiet: notice it in deadAfterMs, not UDX's ~15 s.
    conn.setKeepAlive(this.liveness.keepAliveMs)
    conn.setTimeout(this.liveness.deadAfterMs)

    // Share one muxer with replication (hypercore reuses conn.userData when it is a Protomux).
    const mux = Protomux.from(conn)
    conn.userData = mux

    let state: PeerState | null = null
    let settled = false
    const timer = setTimeout(() => {
      if (settled) return
      settled = true
      this.refuse(conn, info, remote, 'no hashcoop handshake (not a hashcoop node, or an incompatible version)', false)
    }, this.handshakeTimeoutMs)
    // Open on our side, yet the remote never sent a byte (not even its stream header): the other
    // end never got this connection. Drop it so Hyperswarm dials again.
    const silent = setTimeout(() => {
      if (settled || conn.rawBytesRead > 0) return
      this.log.debug({ peer: shortKey(remote) }, `${name}: connection silent for ${this.liveness.silentAfterMs} ms: dropped, redialing`)
      conn.destroy()
    }, this.liveness.silentAfterMs)

    const channel = mux.createChannel<Handshake>({
      protocol: PROTOCOL,
      handshake: handshakeCodec,
      onopen: (hs) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        clearTimeout(silent)
        const ctx = this.proofContext(conn)
        if (hs.version !== PROTOCOL_VERSION) {
          this.refuse(conn, info, remote, `speaks protocol v${hs.version}, this node v${PROTOCOL_VERSION}: nodes of different protocol versions cannot share a cooperative`, true)
          return
        }
        if (ctx === null || !verifyPeerProof(ctx, remote, hs.proof)) {
          this.refuse(conn, info, remote, 'different cooperative (consensus id mismatch)', true)
          return
        }
        state = {
          publicKey: remote,
          id: Buffer.from(remote).toString('hex'),
          writer: hs.writer,
          conn,
          status: statusMessage,
          relay: relayMessage,
          relayResult: relayResultMessage,
          relaysInFlight: 0
        }
        try {
          this.opts.base.autobase.replicate(conn)
        } catch (err) {
          // e.g. the base is closing (close the swarm first to avoid this)
          this.log.warn({ peer: shortKey(remote), err: errorMessage(err) }, `${name}: cannot replicate: ${errorMessage(err)}`)
          conn.destroy()
          return
        }
        this.joined.set(state.id, state)
        this.rediscovery.found(state.id)
        this.log.info({ peer: shortKey(remote), writer: hs.writer, peers: this.joined.size }, `${name} joined (${this.joined.size} peers)`)
        this.emit('peer-joined', state, this.joined.size)
      },
      onclose: () => {
        clearTimeout(timer)
        clearTimeout(silent)
        settled = true
      }
    })
    if (channel === null) {
      clearTimeout(timer)
      clearTimeout(silent)
      return // a duplicate channel on this connection; the first one handles it
    }
    const statusMessage = channel.addMessage<StatusMessage>({
      encoding: statusCodec,
      onmessage: (msg) => {
        if (state) state.writer = msg.writer
      }
    })
    const relayMessage = channel.addMessage<RelayMessage>({
      encoding: relayCodec,
      onmessage: (msg) => {
        if (state) void this.serveRelay(state, msg)
      }
    })
    const relayResultMessage = channel.addMessage<RelayResultMessage>({
      encoding: relayResultCodec,
      onmessage: (msg) => {
        if (state) this.settleRelay(state, msg)
      }
    })

    conn.once('close', () => {
      clearTimeout(timer)
      clearTimeout(silent)
      if (state === null) return
      for (const [id, pending] of this.pendingRelays) {
        if (pending.peer === state) {
          this.pendingRelays.delete(id)
          clearTimeout(pending.timer)
          pending.reject(new RelayError(`${name} disconnected before answering the relay`))
        }
      }
      if (this.joined.get(state.id) === state) {
        this.joined.delete(state.id)
        if (this.closing === null) this.rediscovery.lost(state.id)
        this.log.info({ peer: shortKey(remote), peers: this.joined.size }, `${name} left (${this.joined.size} peers)`)
        this.emit('peer-left', state, this.joined.size)
      }
    })

    void conn.opened.then((opened) => {
      if (!opened || settled) return
      const ctx = this.proofContext(conn)
      if (ctx === null) return
      channel.open({ version: PROTOCOL_VERSION, proof: peerProof(ctx, this.publicKey), writer: this.opts.base.writable })
    })
  }

  private refuse(conn: Conn, info: Hyperswarm.PeerInfo, remote: Uint8Array, reason: string, ban: boolean): void {
    this.log.warn({ peer: shortKey(remote), reason }, `peer ${shortKey(remote)}: ${reason}`)
    // Banning stops the swarm from redialing (and accepting) this peer for its lifetime.
    if (ban) info.ban(true)
    this.emit('peer-refused', remote, reason)
    // End gracefully rather than destroy: our handshake may still be in flight, and the peer
    // should get it to log its own refusal (the user with the wrong key needs to see why).
    conn.end()
    const force = setTimeout(() => conn.destroy(), 2000)
    conn.once('close', () => clearTimeout(force))
  }

  private broadcastStatus(): void {
    const writer = this.opts.base.writable
    for (const peer of this.joined.values()) peer.status.send({ writer })
  }

  private async serveRelay(peer: PeerState, msg: RelayMessage): Promise<void> {
    const answer = (ok: boolean, reason: string) => peer.relayResult.send({ id: msg.id, ok, reason })
    const name = `peer ${shortKey(peer.publicKey)}`
    if (!this.opts.checkRelayed) return void answer(false, 'relay not offered by this node')
    if (!this.opts.base.writable) return void answer(false, 'not a writer')
    if (peer.relaysInFlight >= this.maxRelaysInFlight) return void answer(false, 'too many relays in flight')

    // Counted from the check on: an async check (e.g. waiting until our view holds the share's
    // parent, so that our append causally follows it) is in flight too.
    peer.relaysInFlight++
    try {
      let verdict: RelayVerdict
      try {
        verdict = await this.opts.checkRelayed(msg.value)
      } catch (err) {
        verdict = `check failed: ${errorMessage(err)}`
      }
      if (verdict !== true) {
        this.log.info({ peer: shortKey(peer.publicKey), reason: verdict }, `${name}: relayed value refused: ${verdict}`)
        return void answer(false, verdict)
      }
      await this.opts.base.append(msg.value)
      answer(true, '')
    } catch (err) {
      answer(false, `append failed: ${errorMessage(err)}`)
    } finally {
      peer.relaysInFlight--
    }
  }

  private settleRelay(peer: PeerState, msg: RelayResultMessage): void {
    const pending = this.pendingRelays.get(msg.id)
    if (!pending || pending.peer !== peer) return // unknown or spoofed id: ignore
    this.pendingRelays.delete(msg.id)
    clearTimeout(pending.timer)
    if (msg.ok) pending.resolve()
    else pending.reject(new RelayError(`peer ${shortKey(peer.publicKey)} refused the relay: ${msg.reason}`))
  }

  /**
   * Hand a value to a connected writer, which appends it as its own input. Resolves once that
   * writer has stored it (it then reaches everyone through replication).
   */
  relay(value: Uint8Array, opts: { timeoutMs?: number } = {}): Promise<void> {
    const writers = [...this.joined.values()].filter((p) => p.writer)
    const peer = writers[Math.floor(Math.random() * writers.length)]
    if (!peer) return Promise.reject(new RelayError('no writer connected to relay through'))
    const id = this.nextRelayId++
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingRelays.delete(id)
        reject(new RelayError(`peer ${shortKey(peer.publicKey)} did not answer the relay in time`))
      }, opts.timeoutMs ?? 15_000)
      this.pendingRelays.set(id, { peer, resolve, reject, timer })
      peer.relay.send({ id, value })
    })
  }

  /** Leave the topic and close every connection. Close the swarm before the base and the store. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.rediscovery.close()
      this.opts.base.autobase.off('writable', this.onWritableChange)
      this.opts.base.autobase.off('unwritable', this.onWritableChange)
      for (const [id, pending] of this.pendingRelays) {
        this.pendingRelays.delete(id)
        clearTimeout(pending.timer)
        pending.reject(new RelayError('swarm closed'))
      }
      await destroyPromptly(this.swarm)
    })()
    return this.closing
  }
}

/**
 * How long leaving the topic may take before the swarm is torn down anyway. Unannouncing asks the
 * DHT nodes closest to the topic; when the bootstrap nodes are gone every such request waits out
 * its timeout, and a node that took ~5 s to stop looks hung to its supervisor. Peers find out
 * a node left from its closed connections; the stale announcement expires in the DHT by itself.
 */
const UNANNOUNCE_GRACE_MS = 500

async function destroyPromptly(swarm: Hyperswarm): Promise<void> {
  const graceful = swarm.destroy()
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, UNANNOUNCE_GRACE_MS)
  })
  try {
    if ((await Promise.race([graceful.then(() => 'done' as const), late])) === 'done') return
  } finally {
    clearTimeout(timer)
  }
  // Destroying the DHT node fails its pending requests at once, so the swarm's own teardown
  // (its unannounce and the server's) finishes instead of waiting each request out.
  await swarm.dht.destroy({ force: true })
  await graceful.catch(() => {})
}
