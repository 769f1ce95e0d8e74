declare module 'protomux' {
  import type { Encoder } from 'compact-encoding'

  namespace Protomux {
    interface Message<T> {
      send(message: T): boolean
      readonly encoding: Encoder<T>
    }

    interface MessageOptions<T> {
      encoding: Encoder<T>
      /** Errors thrown here destroy the whole stream: handle bad input inside. */
      onmessage?: (message: T, channel: Channel) => void | Promise<void>
    }

    interface ChannelOptions<H> {
      protocol: string
      id?: Uint8Array | null
      unique?: boolean
      /** Encoding of the value passed to `open(handshake)` and received in `onopen`. */
      handshake?: Encoder<H>
      messages?: Array<MessageOptions<never>>
      onopen?: (handshake: H, channel: Channel) => void | Promise<void>
      onclose?: (isRemote: boolean, channel: Channel) => void | Promise<void>
      ondestroy?: (channel: Channel) => void | Promise<void>
    }

    interface Channel {
      readonly opened: boolean
      readonly closed: boolean
      readonly destroyed: boolean
      readonly protocol: string
      readonly messages: ReadonlyArray<Message<never>>
      userData: unknown
      open(handshake?: unknown): void
      addMessage<T>(opts: MessageOptions<T>): Message<T>
      close(): void
      cork(): void
      uncork(): void
    }
  }

  class Protomux {
    /** The connection's existing muxer (`stream.userData`) if any, else a new one. */
    static from(stream: unknown, opts?: object): Protomux
    static isProtomux(value: unknown): value is Protomux

    readonly isProtomux: true
    readonly stream: unknown

    /** Null when this channel is a duplicate or was already rejected by the remote. */
    createChannel<H = unknown>(opts: Protomux.ChannelOptions<H>): Protomux.Channel | null
    opened(opts: { protocol: string; id?: Uint8Array | null }): boolean
    pair(opts: { protocol: string; id?: Uint8Array | null }, notify: (id: Uint8Array | null) => void): void
    unpair(opts: { protocol: string; id?: Uint8Array | null }): void
    cork(): void
    uncork(): void
    isIdle(): boolean
  }

  export = Protomux
}
