// The slice of bcoin (untyped CommonJS) the regtest harness uses. bcoin is a test stand-in only.
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
    readonly rpc: { refreshBlock(): void }
  }

  const bcoin: { FullNode: typeof FullNode }
  export default bcoin
}
