/**
 * A share-chain peer in its own process, for the multi-process kill -9 / partition tests: a
 * ChainPeer on an existing data dir, its swarm on the parent's loopback DHT testnet (a DHT node
 * bound to 127.0.0.1, bootstrapped from the testnet's 127.0.0.1 addresses only), driven by
 * one-line JSON commands on stdin and answering one JSON line per command on stdout.
 *
 *   child:  {"ready": {...PeerReport}}                       once the swarm is announced
 *   parent: {"id": 1, "cmd": "report"}               -> {"id": 1, "ok": PeerReport}
 *   parent: {"id": 2, "cmd": "mine", "miner": 7}     -> {"id": 2, "ok": {"share": "<id>"}}
 *   parent: {"id": 3, "cmd": "add-writer", "key": h} -> {"id": 3, "ok": true}
 *   any failure                                      -> {"id": n, "err": "message"}
 *
 * `ProcessPeer` is the parent's side: spawn, ask, kill -9, stop/continue (a partition that drops
 * packets without closing anything), restart on the same data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import HyperDHT from 'hyperdht'
import { fromHex, toHex } from '../../src/bitcoin/bytes.js'
import { ChainPeer } from './chain-peer.js'
import { minerScript } from './sharechain.js'

export interface PeerProcessArgs {
  name: string
  dataDir: string
  consensusId: string
  /** null: the founder's data dir. */
  bootstrapKey: string | null
  /** The testnet's bootstrap addresses, 'host:port', all 127.0.0.1. */
  bootstrap: string[]
  relay: boolean
}

export interface PeerReport {
  /** System-core hash: equal hashes = the same linearized history. */
  hash: string
  tip: string | null
  height: number
  /** Valid shares in the view (forks included). */
  shares: number
  writable: boolean
  writerKey: string
  publicKey: string
  /** Swarm public keys of the peers that passed the handshake. */
  peers: string[]
}

type Command = { id: number; cmd: 'report' } | { id: number; cmd: 'mine'; miner: number } | { id: number; cmd: 'add-writer'; key: string }

function loopbackDht(bootstrap: string[]): HyperDHT {
  for (const b of bootstrap) if (!b.startsWith('127.0.0.1:')) throw new Error(`refusing a non-loopback bootstrap node ${b}`)
  return new HyperDHT({ ephemeral: true, bootstrap, host: '127.0.0.1' })
}

async function report(peer: ChainPeer): Promise<PeerReport> {
  await peer.base.update()
  const tip = await peer.tip()
  return {
    hash: await peer.base.hash(),
    tip: tip?.id ?? null,
    height: tip?.height ?? -1,
    shares: (await peer.stats())?.shares ?? 0,
    writable: peer.base.writable,
    writerKey: peer.writerKey,
    publicKey: toHex(peer.swarm?.publicKey ?? new Uint8Array()),
    peers: [...(peer.swarm?.peers.keys() ?? [])]
  }
}

async function run(peer: ChainPeer, cmd: Command): Promise<unknown> {
  switch (cmd.cmd) {
    case 'report':
      return report(peer)
    case 'mine':
      return { share: (await peer.mineAndAppend(minerScript(cmd.miner))).id }
    case 'add-writer':
      await peer.base.addWriter(fromHex(cmd.key))
      return true
  }
}

/** The child's main: `node --import tsx --input-type=module -e "...runPeerProcess(JSON.parse(argv[1]))" JSON`. */
export async function runPeerProcess(args: PeerProcessArgs): Promise<void> {
  const write = (msg: unknown) => process.stdout.write(`${JSON.stringify(msg)}\n`)
  // stdout carries the answers: the log recorder's echo (console.log) goes to stderr.
  console.log = (...parts: unknown[]) => process.stderr.write(`${parts.map(String).join(' ')}\n`)
  const peer = await ChainPeer.start({
    name: args.name,
    consensusId: fromHex(args.consensusId),
    bootstrapKey: args.bootstrapKey === null ? null : fromHex(args.bootstrapKey),
    dht: { choice: () => ({ kind: 'injected', dht: loopbackDht(args.bootstrap) }) },
    dataDir: args.dataDir,
    relay: args.relay
  })
  // Commands run one at a time, in order (a report after a mine sees the share).
  let queue = Promise.resolve()
  createInterface({ input: process.stdin }).on('line', (line) => {
    queue = queue.then(async () => {
      let cmd: Command
      try {
        cmd = JSON.parse(line) as Command
      } catch {
        write({ id: -1, err: `not JSON: ${line.slice(0, 80)}` })
        return
      }
      try {
        write({ id: cmd.id, ok: await run(peer, cmd) })
      } catch (err) {
        write({ id: cmd.id, err: err instanceof Error ? err.message : String(err) })
      }
    })
  })
  process.stdin.on('end', () => void peer.stop().then(() => process.exit(0)))
  write({ ready: await report(peer) })
}

const RUNNER = new URL('./peer-process.ts', import.meta.url).href

/** The parent's handle on one peer process. */
export class ProcessPeer {
  private child: ChildProcess | null = null
  private nextId = 1
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private stderrTail = ''

  constructor(readonly args: PeerProcessArgs) {}

  get name(): string {
    return this.args.name
  }

  get running(): boolean {
    return this.child !== null
  }

  /** Spawns the process; resolves with its first report once its swarm is announced. */
  async start(timeoutMs = 60_000): Promise<PeerReport> {
    if (this.child !== null) throw new Error(`${this.name} is already running`)
    const code = `import { runPeerProcess } from ${JSON.stringify(RUNNER)}; await runPeerProcess(JSON.parse(process.argv[1]))`
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, JSON.stringify(this.args)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, COOP_TEST_LOG: '1' } // the child echoes its log to stderr (kept as logTail)
    })
    this.child = child
    this.stderrTail = ''
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4000)
      if (process.env.COOP_TEST_LOG === '1') process.stderr.write(d)
    })
    let onReady: ((r: PeerReport) => void) | null = null
    const ready = new Promise<PeerReport>((resolve) => (onReady = resolve))
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let msg: { ready?: PeerReport; id?: number; ok?: unknown; err?: string }
      try {
        msg = JSON.parse(line) as typeof msg
      } catch {
        return // a stray line (e.g. a library's console output)
      }
      if (msg.ready) return onReady?.(msg.ready)
      const w = msg.id === undefined ? undefined : this.waiting.get(msg.id)
      if (!w || msg.id === undefined) return
      this.waiting.delete(msg.id)
      if (msg.err !== undefined) w.reject(new Error(`${this.name}: ${msg.err}`))
      else w.resolve(msg.ok)
    })
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = null
      for (const [id, w] of this.waiting) {
        this.waiting.delete(id)
        w.reject(new Error(`${this.name} exited (${String(code ?? signal)})`))
      }
    })
    const exited = once(child, 'exit').then(([c, s]) => {
      throw new Error(`${this.name} exited before it was ready (${String(c ?? s)}): ${this.stderrTail}`)
    })
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} not ready in ${timeoutMs} ms: ${this.stderrTail}`)), timeoutMs)
    })
    try {
      return await Promise.race([ready, exited, timeout])
    } finally {
      clearTimeout(timer)
      exited.catch(() => {})
    }
  }

  private ask<T>(cmd: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    const child = this.child
    if (child === null) return Promise.reject(new Error(`${this.name} is not running`))
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id)
        reject(new Error(`${this.name} did not answer ${String(cmd.cmd)} in ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer)
          resolve(v as T)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        }
      })
      child.stdin?.write(`${JSON.stringify({ id, ...cmd })}\n`)
    })
  }

  report(timeoutMs?: number): Promise<PeerReport> {
    return this.ask({ cmd: 'report' }, timeoutMs)
  }

  async mine(miner: number): Promise<string> {
    return (await this.ask<{ share: string }>({ cmd: 'mine', miner })).share
  }

  async addWriter(key: string): Promise<void> {
    await this.ask({ cmd: 'add-writer', key })
  }

  /** kill -9: no chance to close anything; peers see the connection go silent. */
  async kill(): Promise<void> {
    const child = this.child
    if (child === null) return
    const exited = once(child, 'exit')
    child.kill('SIGKILL')
    await exited
  }

  /** A partition: the process stops answering (packets dropped, nothing closed) until resume. */
  pause(): void {
    this.child?.kill('SIGSTOP')
  }

  resume(): void {
    this.child?.kill('SIGCONT')
  }

  /** A clean stop: closes stdin, the child closes its swarm, base and store. */
  async stop(): Promise<void> {
    const child = this.child
    if (child === null) return
    const exited = once(child, 'exit')
    child.kill('SIGCONT')
    child.stdin?.end()
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(force)
  }

  get logTail(): string {
    return this.stderrTail
  }
}
