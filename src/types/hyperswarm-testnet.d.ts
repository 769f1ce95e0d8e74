declare module '@hyperswarm/testnet' {
  import type HyperDHT from 'hyperdht'

  namespace createTestnet {
    interface Options {
      port?: number
      /** Default 127.0.0.1 (then every node binds loopback only). */
      host?: string
      bootstrap?: Array<{ host: string; port: number }>
    }

    interface Testnet extends Iterable<HyperDHT> {
      readonly nodes: HyperDHT[]
      readonly bootstrap: Array<{ host: string; port: number }>
      /** An extra ephemeral node bound to 127.0.0.1 and bootstrapped from this testnet. */
      createNode(opts?: HyperDHT.Options): HyperDHT
      destroy(): Promise<void>
    }
  }

  function createTestnet(size?: number, opts?: createTestnet.Options): Promise<createTestnet.Testnet>

  export = createTestnet
}
