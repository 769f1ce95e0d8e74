declare module 'hyperswarm' {
  import type { EventEmitter } from 'node:events'
  import type HyperDHT from 'hyperdht'

  namespace Hyperswarm {
    interface KeyPair {
      publicKey: Uint8Array
      secretKey: Uint8Array
    }

    /**
     * The end-to-end encrypted (Noise) duplex stream of one connection
     * (@hyperswarm/secret-stream, a streamx Duplex).
     */
    interface NoiseSecretStream extends EventEmitter {
      readonly isInitiator: boolean
      readonly publicKey: Uint8Array | null
      readonly remotePublicKey: Uint8Array | null
      /** Hash of the Noise handshake transcript: the same on both ends, different for every connection. */
      readonly handshakeHash: Uint8Array | null
      /** Resolves true once the handshake completed, false if the stream closed first. */
      readonly opened: Promise<boolean>
      readonly destroyed: boolean
      readonly destroying: boolean
      /** Holds the connection's Protomux once replication (or `Protomux.from`) attached one. */
      userData: unknown
      readonly rawStream: { readonly remoteHost?: string; readonly remotePort?: number } | null
      write(data: Uint8Array): boolean
      /** For in-memory replication in tests: `a.pipe(b).pipe(a)`. */
      pipe<S extends NoiseSecretStream>(destination: S): S
      end(): void
      destroy(err?: Error): void
      setKeepAlive(ms: number): void
      /** Destroy the stream when nothing arrives for ms (0: never). */
      setTimeout(ms: number): void
      /** Bytes received and sent on the underlying stream (0 read: the remote never answered). */
      readonly rawBytesRead: number
      readonly rawBytesWritten: number
    }

    interface PeerInfo {
      readonly publicKey: Uint8Array
      readonly topics: Uint8Array[]
      readonly prioritized: boolean
      readonly client: boolean
      ban(banStatus?: boolean): void
    }

    interface PeerDiscovery {
      flushed(): Promise<void>
      refresh(opts?: { client?: boolean; server?: boolean }): Promise<void>
      destroy(): Promise<void>
    }

    interface Options {
      keyPair?: KeyPair
      seed?: Uint8Array
      maxPeers?: number
      /** Return true to reject a connection from this remote public key. */
      firewall?: (remotePublicKey: Uint8Array) => boolean
      /** An existing DHT node (tests: `testnet.createNode()`). */
      dht?: HyperDHT
      /** DHT bootstrap nodes ('host:port'); `[]` means no bootstrap at all, NOT `false`. */
      bootstrap?: Array<string | { host: string; port: number }>
    }
  }

  class Hyperswarm extends EventEmitter {
    constructor(opts?: Hyperswarm.Options)

    readonly keyPair: Hyperswarm.KeyPair
    readonly dht: HyperDHT
    readonly connections: Set<Hyperswarm.NoiseSecretStream>
    readonly peers: Map<string, Hyperswarm.PeerInfo>
    readonly connecting: number
    readonly destroyed: boolean

    join(topic: Uint8Array, opts?: { server?: boolean; client?: boolean; limit?: number }): Hyperswarm.PeerDiscovery
    leave(topic: Uint8Array): Promise<void>
    joinPeer(publicKey: Uint8Array): void
    leavePeer(publicKey: Uint8Array): void
    status(topic: Uint8Array): Hyperswarm.PeerDiscovery | undefined
    listen(): Promise<void>
    flush(): Promise<void>
    destroy(opts?: { force?: boolean }): Promise<void>
  }

  export = Hyperswarm
}
