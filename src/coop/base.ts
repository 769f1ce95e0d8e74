// The cooperative's Autobase: created by the founder, opened by joiners, reopened after restarts.
//
// What this module owns: the Autobase options every node must agree on (binary values,
// optimistic mode on), the founder/joiner difference, the admin-op helpers, error logging.
// What it does not own: the meaning of values. The share-chain supplies `open` and `apply`;
// apply must route admin entries to applyAdminOp (admin-op.ts) and ack only valid optimistic
// values (`host.ackWriter(node.from.key)`), see DESIGN.md.

import Autobase from 'autobase'
import type Corestore from 'corestore'
import { encodeAdminOp, type AdminOpKind } from './admin-op.js'
import { errorMessage, shortKey, silentLogger, type CoopLogger } from './log.js'

export type ApplyFn<View> = Autobase.Handlers<Uint8Array, View>['apply']
export type OpenFn<View> = Autobase.Handlers<Uint8Array, View>['open']

export interface CoopBaseOptions<View> {
  store: Corestore
  /**
   * null: found a new cooperative, or reopen the one this store founded. Otherwise the join
   * key's bootstrap key; the store must be empty or already hold that same cooperative.
   */
  bootstrapKey: Uint8Array | null
  /** A private cooperative's key (32 bytes), the same for every member. */
  encryptionKey?: Uint8Array | null
  open: OpenFn<View>
  apply: ApplyFn<View>
  close?: (view: View) => Promise<void>
  /**
   * Wrap an admin-op payload into the log entry the apply routes to applyAdminOp
   * (the share-chain's `encodeEntry({ type: 'admin', payload })`).
   */
  wrapAdminOp: (payload: Uint8Array) => Uint8Array
  /** Indexers' automatic ack interval in ms (Autobase default 1000). */
  ackInterval?: number
  log?: CoopLogger
}

export class CoopBaseError extends Error {
  override name = 'CoopBaseError'
}

/**
 * The key of the cooperative this store already belongs to, or null for a fresh store.
 * Must run before Autobase opens the store: given a bootstrap key, Autobase would silently reuse
 * the existing input core (named 'local', lib/boot.js in autobase 7.28.1) for the new base and
 * repoint it. A joiner's input core records the base key as user data 'referrer'; a founder's
 * input core is itself the base (its key is the base key), recognisable by 'autobase/local'.
 */
export async function existingCooperativeKey(store: Corestore): Promise<Uint8Array | null> {
  const local = store.get({ name: 'local', active: false })
  try {
    await local.ready()
    const referrer = await local.getUserData('referrer')
    if (referrer) return referrer
    if ((await local.getUserData('autobase/local')) && local.key) return local.key
    return null
  } finally {
    await local.close()
  }
}

export class CoopBase<View> {
  private closing: Promise<void> | null = null

  private constructor(
    readonly autobase: Autobase<Uint8Array, View>,
    private readonly wrapAdminOp: (payload: Uint8Array) => Uint8Array,
    private readonly log: CoopLogger
  ) {}

  static async open<View>(opts: CoopBaseOptions<View>): Promise<CoopBase<View>> {
    const log = opts.log ?? silentLogger
    if (opts.bootstrapKey !== null && opts.bootstrapKey.length !== 32) {
      throw new CoopBaseError('bootstrap key must be 32 bytes')
    }
    if (opts.encryptionKey && opts.encryptionKey.length !== 32) {
      throw new CoopBaseError('encryption key must be 32 bytes')
    }

    if (opts.bootstrapKey !== null) {
      const existing = await existingCooperativeKey(opts.store)
      if (existing !== null && !Buffer.from(existing).equals(opts.bootstrapKey)) {
        throw new CoopBaseError(
          `this data dir holds cooperative ${shortKey(existing)}, not ${shortKey(opts.bootstrapKey)}: use another data dir`
        )
      }
    }

    const handlers: Autobase.Handlers<Uint8Array, View> = {
      open: opts.open,
      apply: opts.apply,
      valueEncoding: 'binary',
      // Non-writers contribute proof-of-work-gated values; apply decides what to ack.
      optimistic: true
    }
    if (opts.close) handlers.close = opts.close
    if (opts.ackInterval !== undefined) handlers.ackInterval = opts.ackInterval
    if (opts.encryptionKey) handlers.encryptionKey = opts.encryptionKey

    const autobase = new Autobase<Uint8Array, View>(opts.store, opts.bootstrapKey, handlers)
    // Autobase emits 'error' when apply throws or storage fails, then closes itself: never let
    // that become an unhandled 'error' event (a process crash).
    autobase.on('error', (err) => log.error({ err: errorMessage(err) }, `autobase error: ${errorMessage(err)}`))
    autobase.on('interrupt', (reason) => log.error({ reason: String(reason) }, `autobase interrupted: ${String(reason)}`))

    try {
      await autobase.ready()
    } catch (err) {
      await autobase.close().catch(() => {})
      throw new CoopBaseError(`cannot open the cooperative's log: ${errorMessage(err)}`, { cause: err })
    }

    const key = autobase.key
    if (key === null || autobase.local === null || autobase.local.key === null) {
      await autobase.close()
      throw new CoopBaseError('autobase opened without a key')
    }
    if (opts.bootstrapKey !== null && !Buffer.from(key).equals(opts.bootstrapKey)) {
      await autobase.close()
      throw new CoopBaseError(
        `this data dir holds cooperative ${shortKey(key)}, not ${shortKey(opts.bootstrapKey)}: use another data dir`
      )
    }

    const base = new CoopBase(autobase, opts.wrapAdminOp, log)
    log.info(
      { base: shortKey(key), local: shortKey(autobase.local.key), writable: autobase.writable, indexer: autobase.isIndexer },
      `opened cooperative ${shortKey(key)} as ${autobase.isIndexer ? 'indexer' : autobase.writable ? 'writer' : 'non-writer'}`
    )
    return base
  }

  /** The cooperative's Autobase key (what the join key carries). */
  get key(): Uint8Array {
    return this.autobase.key as Uint8Array
  }

  get discoveryKey(): Uint8Array {
    return this.autobase.discoveryKey as Uint8Array
  }

  /** This node's writer key: what an indexer adds with addWriter. Stable across restarts. */
  get localKey(): Uint8Array {
    return (this.autobase.local as { key: Uint8Array }).key
  }

  get view(): View {
    return this.autobase.view
  }

  get writable(): boolean {
    return this.autobase.writable
  }

  get isIndexer(): boolean {
    return this.autobase.isIndexer
  }

  /** Append as a writer. Resolves once the value is stored in our input core. */
  async append(value: Uint8Array): Promise<void> {
    if (!this.autobase.writable) {
      throw new CoopBaseError('not a writer of this cooperative: use appendOptimistic or relay through a writer')
    }
    await this.autobase.append(value)
  }

  /**
   * Append whether or not we are a writer. Kept by everyone only if apply acks it (a valid share);
   * otherwise it is skipped. A writer's optimistic append is an ordinary append.
   */
  async appendOptimistic(value: Uint8Array): Promise<void> {
    await this.autobase.append(value, { optimistic: this.autobase.writable ? false : true })
  }

  async addWriter(key: Uint8Array): Promise<void> {
    await this.appendAdminOp('add-writer', key)
  }

  async addIndexer(key: Uint8Array): Promise<void> {
    await this.appendAdminOp('add-indexer', key)
  }

  async removeWriter(key: Uint8Array): Promise<void> {
    await this.appendAdminOp('remove-writer', key)
  }

  /** Only takes effect if we are an indexer when the op is applied (see admin-op.ts). */
  private async appendAdminOp(kind: AdminOpKind, key: Uint8Array): Promise<void> {
    if (!this.autobase.isIndexer) {
      throw new CoopBaseError(`only an indexer can ${kind}: this node is ${this.writable ? 'a writer' : 'not a writer'}`)
    }
    await this.append(this.wrapAdminOp(encodeAdminOp({ kind, key })))
    this.log.info({ kind, key: shortKey(key) }, `${kind} ${shortKey(key)}`)
  }

  /** Resolves once this node has become a writer (immediately if it is one). */
  async waitForWritable(): Promise<void> {
    await this.autobase.waitForWritable()
  }

  async update(): Promise<void> {
    await this.autobase.update()
  }

  /** Hex hash of the system core: two nodes with the same hash applied the same history. */
  async hash(): Promise<string> {
    return Buffer.from(await this.autobase.hash()).toString('hex')
  }

  close(): Promise<void> {
    this.closing ??= this.autobase.close()
    return this.closing
  }
}
