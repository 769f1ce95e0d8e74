// Shared encoding types for the Holepunch declarations. `holepunch-codec` is not a real package:
// it is a type-only module (only ever imported with `import type`) so the other declarations can
// share one definition of "an encoding option".
declare module 'holepunch-codec' {
  import type { Encoder } from 'compact-encoding'

  /** A compact-encoding codec (`c.uint`, `c.raw.json`, or a hand-written struct codec). */
  export type Codec<T> = Encoder<T>

  /** The named encodings understood by hypercore, hyperbee and autobase (through `codecs()`). */
  export type NamedEncoding = 'binary' | 'utf-8' | 'utf8' | 'json' | 'ascii' | 'hex' | 'base64'

  export type ValueEncoding<T = unknown> = NamedEncoding | Encoder<T>
}
