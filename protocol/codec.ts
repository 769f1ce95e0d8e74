import c from 'compact-encoding'

/** A compact-encoding codec for one value type. */
export interface Codec<T> {
  preencode(state: c.State, value: T): void
  encode(state: c.State, value: T): void
  decode(state: c.State): T
}

export class DecodeError extends Error {
  override name = 'DecodeError'
}

export function encode<T>(codec: Codec<T>, value: T): Uint8Array {
  return new Uint8Array(c.encode(codec as unknown as Parameters<typeof c.encode>[0], value))
}

/** Strict decode: the whole buffer must be consumed; any failure is a DecodeError with context. */
export function decode<T>(codec: Codec<T>, bytes: Uint8Array, what: string): T {
  const state = c.state(0, bytes.byteLength, bytes)
  let value: T
  try {
    value = codec.decode(state)
  } catch (err) {
    throw new DecodeError(`malformed ${what}: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (state.start !== state.end) throw new DecodeError(`malformed ${what}: ${state.end - state.start} trailing bytes`)
  return value
}

/** A length-prefixed byte string with an upper bound checked on both sides. */
export function boundedBuffer(max: number, what: string): Codec<Uint8Array> {
  return {
    preencode(state, value) {
      if (value.length > max) throw new RangeError(`${what} is ${value.length} bytes, at most ${max}`)
      c.uint.preencode(state, value.length)
      state.end += value.length
    },
    encode(state, value) {
      c.uint.encode(state, value.length)
      ;(state.buffer as Uint8Array).set(value, state.start)
      state.start += value.length
    },
    decode(state) {
      const n = c.uint.decode(state)
      if (n > max) throw new RangeError(`${what} is ${n} bytes, at most ${max}`)
      if (state.start + n > state.end) throw new RangeError(`${what} is truncated`)
      const out = (state.buffer as Uint8Array).slice(state.start, state.start + n)
      state.start += n
      return out
    }
  }
}

/** An array with an upper bound on its length, checked before anything is allocated. */
export function boundedArray<T>(item: Codec<T>, max: number, what: string): Codec<T[]> {
  return {
    preencode(state, value) {
      if (value.length > max) throw new RangeError(`${what} has ${value.length} items, at most ${max}`)
      c.uint.preencode(state, value.length)
      for (const v of value) item.preencode(state, v)
    },
    encode(state, value) {
      c.uint.encode(state, value.length)
      for (const v of value) item.encode(state, v)
    },
    decode(state) {
      const n = c.uint.decode(state)
      if (n > max) throw new RangeError(`${what} has ${n} items, at most ${max}`)
      const out: T[] = []
      for (let i = 0; i < n; i++) out.push(item.decode(state))
      return out
    }
  }
}

/** 32 bytes, copied out of the source buffer so decoded values never alias it. */
export const hash32: Codec<Uint8Array> = {
  preencode(state) {
    state.end += 32
  },
  encode(state, value) {
    if (value.length !== 32) throw new RangeError(`expected 32 bytes, got ${value.length}`)
    ;(state.buffer as Uint8Array).set(value, state.start)
    state.start += 32
  },
  decode(state) {
    if (state.start + 32 > state.end) throw new RangeError('32-byte hash is truncated')
    const out = (state.buffer as Uint8Array).slice(state.start, state.start + 32)
    state.start += 32
    return out
  }
}

export function fixedBytes(n: number): Codec<Uint8Array> {
  return {
    preencode(state) {
      state.end += n
    },
    encode(state, value) {
      if (value.length !== n) throw new RangeError(`expected ${n} bytes, got ${value.length}`)
      ;(state.buffer as Uint8Array).set(value, state.start)
      state.start += n
    },
    decode(state) {
      if (state.start + n > state.end) throw new RangeError(`${n}-byte field is truncated`)
      const out = (state.buffer as Uint8Array).slice(state.start, state.start + n)
      state.start += n
      return out
    }
  }
}

/** A safe unsigned integer with an upper bound. */
export function boundedUint(max: number, what: string): Codec<number> {
  return {
    preencode(state, value) {
      if (!Number.isSafeInteger(value) || value < 0 || value > max) throw new RangeError(`${what} out of range: ${value}`)
      c.uint.preencode(state, value)
    },
    encode(state, value) {
      c.uint.encode(state, value)
    },
    decode(state) {
      const v = c.uint.decode(state)
      if (!Number.isSafeInteger(v) || v > max) throw new RangeError(`${what} out of range: ${v}`)
      return v
    }
  }
}

export const uint32: Codec<number> = c.uint32 as Codec<number>
export const utf8: Codec<string> = c.string as Codec<string>
