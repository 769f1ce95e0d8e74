/**
 * Byte helpers shared by every Bitcoin encoding: hex, little-endian integers, CompactSize varints,
 * and a growable writer / bounds-checked reader. All functions take and return Uint8Array.
 */

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Parses even-length hex; throws a readable error on anything else. */
export function fromHex(hex: string, what = 'hex string'): Uint8Array {
  if (typeof hex !== 'string' || !HEX_RE.test(hex)) throw new Error(`${what} is not valid hex: ${JSON.stringify(String(hex).slice(0, 80))}`)
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

/** A reversed copy (display order <-> internal order for hashes). */
export function reverseBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes).reverse()
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Lexicographic byte order, used wherever the spec sorts by bytes. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d
  }
  return a.length - b.length
}

export function u32le(value: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value >>> 0, true)
  return out
}

export function readU32le(bytes: Uint8Array, offset: number): number {
  if (offset + 4 > bytes.length) throw new RangeError('read past the end of the buffer')
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true)
}

/** CompactSize length (Bitcoin's varint) of a number. */
export function varintSize(n: number): number {
  if (n < 0xfd) return 1
  if (n <= 0xffff) return 3
  if (n <= 0xffffffff) return 5
  return 9
}

export function encodeVarint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint out of range: ${n}`)
  const w = new ByteWriter(9)
  w.varint(n)
  return w.finish()
}

/** Growable little-endian writer. */
export class ByteWriter {
  private buf: Uint8Array
  private view: DataView
  length = 0

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity)
    this.view = new DataView(this.buf.buffer)
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return
    // At least 16: doubling a zero capacity (new ByteWriter(0)) would never grow.
    let cap = Math.max(16, this.buf.length * 2)
    while (cap < this.length + n) cap *= 2
    const next = new Uint8Array(cap)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  bytes(data: Uint8Array): this {
    this.reserve(data.length)
    this.buf.set(data, this.length)
    this.length += data.length
    return this
  }

  u8(v: number): this {
    this.reserve(1)
    this.buf[this.length++] = v & 0xff
    return this
  }

  u32(v: number): this {
    this.reserve(4)
    this.view.setUint32(this.length, v >>> 0, true)
    this.length += 4
    return this
  }

  i32(v: number): this {
    this.reserve(4)
    this.view.setInt32(this.length, v | 0, true)
    this.length += 4
    return this
  }

  u64(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`u64 out of range: ${v}`)
    this.reserve(8)
    this.view.setBigUint64(this.length, v, true)
    this.length += 8
    return this
  }

  varint(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint out of range: ${n}`)
    if (n < 0xfd) return this.u8(n)
    if (n <= 0xffff) {
      this.u8(0xfd)
      this.reserve(2)
      this.view.setUint16(this.length, n, true)
      this.length += 2
      return this
    }
    if (n <= 0xffffffff) return this.u8(0xfe).u32(n)
    return this.u8(0xff).u64(BigInt(n))
  }

  varbytes(data: Uint8Array): this {
    return this.varint(data.length).bytes(data)
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length)
  }
}

/** Bounds-checked little-endian reader; every read past the end throws a RangeError. */
export class ByteReader {
  offset = 0
  private readonly view: DataView

  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  get remaining(): number {
    return this.buf.length - this.offset
  }

  private need(n: number): void {
    if (this.offset + n > this.buf.length) throw new RangeError(`truncated data: wanted ${n} bytes at offset ${this.offset} of ${this.buf.length}`)
  }

  bytes(n: number): Uint8Array {
    this.need(n)
    const out = this.buf.slice(this.offset, this.offset + n)
    this.offset += n
    return out
  }

  u8(): number {
    this.need(1)
    return this.buf[this.offset++] as number
  }

  u32(): number {
    this.need(4)
    const v = this.view.getUint32(this.offset, true)
    this.offset += 4
    return v
  }

  i32(): number {
    this.need(4)
    const v = this.view.getInt32(this.offset, true)
    this.offset += 4
    return v
  }

  u64(): bigint {
    this.need(8)
    const v = this.view.getBigUint64(this.offset, true)
    this.offset += 8
    return v
  }

  /** CompactSize; like Bitcoin Core, refuses a non-minimal encoding (one value, one byte string). */
  varint(): number {
    const start = this.offset
    const first = this.u8()
    if (first < 0xfd) return first
    let value: number
    if (first === 0xfd) {
      this.need(2)
      value = this.view.getUint16(this.offset, true)
      this.offset += 2
    } else if (first === 0xfe) {
      value = this.u32()
    } else {
      const big = this.u64()
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('varint too large')
      value = Number(big)
    }
    if (varintSize(value) !== this.offset - start) throw new RangeError(`non-canonical varint at offset ${start}`)
    return value
  }

  varbytes(): Uint8Array {
    return this.bytes(this.varint())
  }
}
