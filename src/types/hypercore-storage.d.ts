declare module 'hypercore-storage' {
  namespace CoreStorage {
    interface Options {
      /** RocksDB's memtable size: its write-ahead log grows this far before a flush. Default 64 MiB. */
      writeBufferSize?: number
    }
  }

  /** The RocksDB-backed storage of a Corestore; Corestore takes an instance in place of a path. */
  class CoreStorage {
    constructor(dir: string, opts?: CoreStorage.Options)
  }

  export = CoreStorage
}
