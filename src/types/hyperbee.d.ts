declare module 'hyperbee' {
  import type { EventEmitter } from 'node:events'
  import type Hypercore from 'hypercore'
  import type { Encoder } from 'compact-encoding'
  import type { NamedEncoding, ValueEncoding } from 'holepunch-codec'

  namespace Hyperbee {
    interface Options<K, V> {
      keyEncoding?: ValueEncoding<K>
      valueEncoding?: ValueEncoding<V>
      /** Disable the hyperbee wire extension (Autobase views must pass false). */
      extension?: boolean
      readonly?: boolean
    }

    interface Entry<K, V> {
      seq: number
      key: K
      value: V
    }

    interface Range<K> {
      gt?: K
      gte?: K
      lt?: K
      lte?: K
      reverse?: boolean
      limit?: number
    }

    interface GetOptions {
      wait?: boolean
      update?: boolean
      timeout?: number
    }

    interface BatchOptions {
      /** Autobase views: do not wait for the core to update before reading. */
      update?: boolean
    }

    interface Batch<K, V> {
      get(key: K, opts?: GetOptions): Promise<Entry<K, V> | null>
      put(key: K, value: V): Promise<void>
      del(key: K): Promise<void>
      createReadStream(range?: Range<K>): AsyncIterable<Entry<K, V>>
      flush(): Promise<void>
      close(): Promise<void>
    }
  }

  /** What a key or value looks like after decoding with a given encoding option. */
  type Decoded<E> = E extends Encoder<infer T>
    ? T
    : E extends 'utf-8' | 'utf8' | 'ascii' | 'hex' | 'base64'
      ? string
      : E extends 'json'
        ? unknown
        : Uint8Array

  type EncodingOption = NamedEncoding | Encoder<never>

  interface HyperbeeConstructor {
    /** Key/value types inferred from the encodings: `{ keyEncoding: 'utf-8', valueEncoding: 'json' }` gives Hyperbee<string, unknown>. */
    new <KE extends EncodingOption = 'binary', VE extends EncodingOption = 'binary'>(
      core: Hypercore<Uint8Array>,
      opts?: Omit<Hyperbee.Options<unknown, unknown>, 'keyEncoding' | 'valueEncoding'> & { keyEncoding?: KE; valueEncoding?: VE }
    ): Hyperbee<Decoded<KE>, Decoded<VE>>
    /** Explicit types: `new Hyperbee<string, MyRecord>(core, { keyEncoding: 'utf-8', valueEncoding: 'json' })`. */
    new <K = Uint8Array, V = Uint8Array>(core: Hypercore<Uint8Array>, opts?: Hyperbee.Options<K, V>): Hyperbee<K, V>
  }

  const Hyperbee: HyperbeeConstructor

  interface Hyperbee<K = Uint8Array, V = Uint8Array> extends EventEmitter {

    readonly core: Hypercore<Uint8Array>
    /** Length of the underlying core: increases by one per put/del (or per flushed batch entry). */
    readonly version: number
    readonly key: Uint8Array | null
    readonly discoveryKey: Uint8Array | null
    readonly writable: boolean
    readonly readable: boolean
    readonly opened: boolean
    readonly closed: boolean

    ready(): Promise<void>
    close(): Promise<void>
    update(opts?: { wait?: boolean }): Promise<boolean>
    get(key: K, opts?: Hyperbee.GetOptions): Promise<Hyperbee.Entry<K, V> | null>
    put(key: K, value: V): Promise<void>
    del(key: K): Promise<void>
    batch(opts?: Hyperbee.BatchOptions): Hyperbee.Batch<K, V>
    createReadStream(range?: Hyperbee.Range<K>): AsyncIterable<Hyperbee.Entry<K, V>>
    peek(range?: Hyperbee.Range<K>): Promise<Hyperbee.Entry<K, V> | null>
    checkout(version: number): Hyperbee<K, V>
    snapshot(): Hyperbee<K, V>
  }

  export = Hyperbee
}
