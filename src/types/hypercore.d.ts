declare module 'hypercore' {
  import type { EventEmitter } from 'node:events'
  import type { ValueEncoding } from 'holepunch-codec'

  namespace Hypercore {
    interface GetOptions {
      /** Wait for the block to be downloaded (default true). */
      wait?: boolean
      /** Give up waiting after this many ms (0 = never). */
      timeout?: number
      /** Return the stored bytes without decrypting or decoding (hashcoop uses it to show what a peer without the key sees). */
      raw?: boolean
      valueEncoding?: ValueEncoding
    }

    interface UpdateOptions {
      wait?: boolean
      /** Ask peers for a longer signed tail even when this core is writable (ours). */
      force?: boolean
    }

    interface DownloadRange {
      start?: number
      end?: number
      blocks?: number[]
      linear?: boolean
    }

    interface Download {
      done(): Promise<void>
      destroy(): void
    }

    interface AppendResult {
      length: number
      byteLength: number
    }

    interface Info {
      key: Uint8Array
      discoveryKey: Uint8Array
      length: number
      contiguousLength: number
      byteLength: number
      fork: number
      padding: number
    }
  }

  class Hypercore<T = Uint8Array> extends EventEmitter {
    static discoveryKey(key: Uint8Array): Uint8Array

    readonly key: Uint8Array | null
    readonly discoveryKey: Uint8Array | null
    readonly id: string | null
    readonly length: number
    readonly signedLength: number
    readonly contiguousLength: number
    readonly byteLength: number
    readonly fork: number
    readonly writable: boolean
    readonly readable: boolean
    readonly opened: boolean
    readonly closed: boolean
    readonly peers: ReadonlyArray<unknown>

    ready(): Promise<void>
    close(): Promise<void>
    get(index: number, opts?: Hypercore.GetOptions): Promise<T | null>
    has(start: number, end?: number): Promise<boolean>
    append(blocks: T | T[]): Promise<Hypercore.AppendResult>
    update(opts?: Hypercore.UpdateOptions): Promise<boolean>
    truncate(newLength?: number): Promise<void>
    download(range?: Hypercore.DownloadRange): Hypercore.Download
    treeHash(length?: number): Promise<Uint8Array>
    info(): Promise<Hypercore.Info>
    session(opts?: { valueEncoding?: ValueEncoding; writable?: boolean }): Hypercore<T>
    snapshot(): Hypercore<T>
    setUserData(key: string, value: Uint8Array | string | null): Promise<void>
    getUserData(key: string): Promise<Uint8Array | null>
    findingPeers(): () => void

    on(event: 'append', listener: () => void): this
    on(event: 'truncate', listener: (ancestors: number, forkId: number) => void): this
    on(event: 'close', listener: () => void): this
    on(event: 'peer-add' | 'peer-remove', listener: (peer: unknown) => void): this
  }

  export = Hypercore
}
