declare module 'corestore' {
  import type { EventEmitter } from 'node:events'
  import type Hypercore from 'hypercore'
  import type { ValueEncoding } from 'holepunch-codec'
  import type { KeyPair, NoiseSecretStream } from 'hyperswarm'

  namespace Corestore {
    interface Options {
      /** Make writable cores readonly (e.g. an auditor). */
      readOnly?: boolean
    }

    interface GetOptions {
      /** A named, writable core owned by this store. */
      name?: string
      /** A core by public key (usually someone else's). */
      key?: Uint8Array
      valueEncoding?: ValueEncoding
      /** Open existing cores only; do not create. */
      createIfMissing?: boolean
      /** Encrypt/decrypt blocks with this key (hypercore's block encryption). */
      encryptionKey?: Uint8Array
      wait?: boolean
      active?: boolean
    }
  }

  /** hypercore-storage's RocksDB column family (rocksdb-native 3): what a backup copies key by key. */
  interface StoreDb {
    snapshot(): StoreDb
    iterator(range: Record<string, never>): AsyncIterable<{ key: Uint8Array; value: Uint8Array }>
    write(): { put(key: Uint8Array, value: Uint8Array): Promise<void>; flush(): Promise<void>; destroy(): void }
    close(): Promise<void>
  }

  /** hypercore-storage's CorestoreStorage (internal to Holepunch, pinned by package-lock). */
  interface StoreStorage {
    readonly db: StoreDb
    ready(): Promise<void>
    close(): Promise<void>
  }

  class Corestore extends EventEmitter {
    /** A directory, or a hypercore-storage instance opened with options of its own. */
    constructor(storage: string | import('hypercore-storage'), opts?: Corestore.Options)

    readonly storage: StoreStorage

    readonly opened: boolean
    readonly closed: boolean

    ready(): Promise<void>
    close(): Promise<void>
    get(opts: Corestore.GetOptions | Uint8Array): Hypercore
    namespace(name: string): Corestore
    session(): Corestore
    /** A key pair derived from this store's primary seed: the same name gives the same pair on every start. */
    createKeyPair(name: string): Promise<KeyPair>
    replicate(isInitiatorOrStream: boolean | NoiseSecretStream): NoiseSecretStream
  }

  export = Corestore
}
