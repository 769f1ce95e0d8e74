// The slice of bcoin (untyped CommonJS) the demo and the tests use: an in-process regtest node,
// a stand-in for Bitcoin Core that the real node never needs.
declare module 'bcoin' {
  export interface FullNodeOptions {
    network: 'regtest'
    memory: boolean
    workers: boolean
    listen: boolean
    httpHost: string
    httpPort: number
    apiKey: string
    logLevel: 'error' | 'warning' | 'info' | 'debug' | 'spam'
  }

  export class FullNode {
    constructor(options: FullNodeOptions)
    open(): Promise<void>
    close(): Promise<void>
    /** Logs err at error level and emits it: what every component's 'error' event comes to. */
    error(err: Error): void
    readonly rpc: {
      refreshBlock(): void
      /** The RPC handlers by method name. */
      calls: Record<string, (this: unknown, args: unknown[], help: boolean) => Promise<string | null>>
    }
    /** The RPC's HTTP server (node:http). */
    readonly http: { readonly http: { closeAllConnections(): void } }
    /** chain.tip.hash: the tip's hash in internal byte order (bcoin 1.0: as hex). */
    readonly chain: { readonly tip: { readonly hash: Buffer | string } }
  }

  const bcoin: { FullNode: typeof FullNode }
  export default bcoin
}
