declare module 'autobase' {
  import type { EventEmitter } from 'node:events'
  import type Corestore from 'corestore'
  import type Hypercore from 'hypercore'
  import type { ValueEncoding } from 'holepunch-codec'
  import type { NoiseSecretStream } from 'hyperswarm'

  namespace Autobase {
    /** One linearized input node handed to `apply`. `from` is the writer's core. */
    interface ApplyNode<V> {
      value: V
      from: { key: Uint8Array }
      length: number
      heads: ReadonlyArray<{ key: Uint8Array; length: number }>
      /** Whether this node is already in the signed (never-reordered) part of the history. */
      indexed: boolean
      /** Appended with `{ optimistic: true }` by a node that is not a writer; kept only if apply calls `host.ackWriter(from.key)`. */
      optimistic: boolean
    }

    /** What Autobase records about a writer in its system core (internal state, see `ApplyHost.system`). */
    interface SystemMember {
      isIndexer: boolean
      isRemoved: boolean
      length: number
    }

    /**
     * Autobase's system state as seen from inside `apply`. NOT part of Autobase's documented
     * API (it is `PrivateApplyCalls.system` in lib/apply-calls.js, autobase 7.28.1): hashcoop
     * reads it only through src/coop/admin-op.ts, which fails closed if the shape changes.
     */
    interface SystemState {
      readonly indexers: ReadonlyArray<{ key: Uint8Array; length: number }>
      get(key: Uint8Array): Promise<SystemMember | null>
    }

    /** The `host` argument of `apply` (side effects on the base itself). */
    interface ApplyHost {
      readonly key: Uint8Array
      readonly discoveryKey: Uint8Array
      readonly system?: SystemState
      addWriter(key: Uint8Array, opts?: { indexer?: boolean }): Promise<void>
      /** Throws for the last indexer; check `removeable(key)` first. */
      removeWriter(key: Uint8Array): Promise<void>
      ackWriter(key: Uint8Array): Promise<void>
      removeable(key: Uint8Array): boolean
      interrupt(reason?: unknown): void
    }

    /** The `host` argument of `open` (only keys; every mutating call throws there). */
    interface OpenHost {
      readonly key: Uint8Array | null
      readonly discoveryKey: Uint8Array | null
    }

    /** The store handed to `open`: derive the view only from it. */
    interface AutoStore {
      get(name: string | { name: string; valueEncoding?: ValueEncoding }): Hypercore<Uint8Array>
    }

    interface Handlers<V, View> {
      open: (store: AutoStore, host: OpenHost) => View
      apply: (nodes: ApplyNode<V>[], view: View, host: ApplyHost) => Promise<void>
      close?: (view: View) => Promise<void>
      valueEncoding?: ValueEncoding<V>
      /** ms between automatic acks by indexers (merges causal forks); default 1000. */
      ackInterval?: number
      /** Allow non-writers to `append(v, { optimistic: true })`. */
      optimistic?: boolean
      encryptionKey?: Uint8Array | Promise<Uint8Array>
      /** Throw if the base is not encrypted (default: true when encryptionKey is set). */
      encrypted?: boolean
      encrypt?: boolean
      fastForward?: boolean | { key: Uint8Array }
    }
  }

  class Autobase<V = Uint8Array, View = unknown> extends EventEmitter {
    constructor(store: Corestore, bootstrap: Uint8Array | string | null, handlers: Autobase.Handlers<V, View>)

    /** The base's primary key (null until ready for a new base). */
    readonly key: Uint8Array | null
    readonly discoveryKey: Uint8Array | null
    readonly view: View
    /** This node's own input core. */
    readonly local: Hypercore<Uint8Array> | null
    /** The system core (what `hash()` and `signedLength` are about). */
    readonly core: Hypercore<Uint8Array>
    readonly writable: boolean
    readonly isIndexer: boolean
    readonly length: number
    readonly signedLength: number
    readonly indexedLength: number
    readonly opened: boolean
    readonly closing: boolean
    readonly closed: boolean
    readonly paused: boolean
    readonly interrupted: unknown

    ready(): Promise<void>
    close(): Promise<void>
    /** Resolves (with the new local length) once the value is in the local input core on disk. */
    append(value: V | null, opts?: { optimistic?: boolean }): Promise<number>
    waitForWritable(): Promise<boolean>
    update(): Promise<void>
    ack(bg?: boolean): Promise<void>
    /** Hash of the system core's merkle roots: equal on two nodes iff they applied the same history. */
    hash(): Promise<Uint8Array>
    heads(): ReadonlyArray<{ writer: { core: { key: Uint8Array } }; length: number }>
    replicate(isInitiatorOrStream: boolean | NoiseSecretStream): NoiseSecretStream
    pause(): void
    resume(): void

    on(event: 'update' | 'writable' | 'unwritable' | 'is-indexer' | 'is-non-indexer' | 'close', listener: () => void): this
    on(event: 'error' | 'warning', listener: (err: Error) => void): this
    on(event: 'interrupt', listener: (reason: unknown) => void): this
    on(event: 'fast-forward', listener: (to: number, from: number) => void): this
    off(event: string, listener: (...args: never[]) => void): this
  }

  export = Autobase
}
