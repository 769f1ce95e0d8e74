declare module 'hyperdht' {
  import type { EventEmitter } from 'node:events'

  namespace HyperDHT {
    interface KeyPair {
      publicKey: Uint8Array
      secretKey: Uint8Array
    }

    interface Options {
      /** Bootstrap nodes. `[]` = none (an isolated node); omitted = the public network. */
      bootstrap?: Array<string | { host: string; port: number }>
      port?: number
      host?: string
      ephemeral?: boolean
      firewalled?: boolean
      keyPair?: KeyPair
    }

    interface Server extends EventEmitter {
      close(): Promise<void>
    }
  }

  class HyperDHT extends EventEmitter {
    constructor(opts?: HyperDHT.Options)

    /** A non-ephemeral DHT node to bootstrap a private network from. */
    static bootstrapper(port: number, host: string, opts?: HyperDHT.Options): HyperDHT
    static keyPair(seed?: Uint8Array): HyperDHT.KeyPair

    readonly defaultKeyPair: HyperDHT.KeyPair
    readonly listening: Set<HyperDHT.Server>
    readonly destroyed: boolean
    readonly bootstrapNodes: Array<{ host: string; port: number }>

    ready(): Promise<void>
    fullyBootstrapped(): Promise<void>
    address(): { host: string; family: number; port: number }
    destroy(opts?: { force?: boolean }): Promise<void>
  }

  export = HyperDHT
}
