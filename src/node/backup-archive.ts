// The backup file: one gzip stream of frames, written by `hashcoop backup`, read by `hashcoop restore`.
//
//   "HCBK" u8 version(1), then frames: u8 kind, u32be length, payload
//     kind 1 meta    JSON BackupMeta (first frame)
//     kind 2 file    u16be name length, name (utf8, no '/'), the file's bytes (a data dir file)
//     kind 3 record  u32be key length, key, value (one key/value of the store's RocksDB)
//     kind 255 end   JSON { files, records } (last frame: a truncated file lacks it)
// gzip's own CRC-32 covers every byte, so a damaged file fails to read rather than restore wrong.
// A key/value copy and not the store's files: RocksDB offers a consistent read snapshot of a live
// store but no checkpoint in rocksdb-native, and its files change under a copier (compactions).

import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { createGunzip, createGzip } from 'node:zlib'

const MAGIC = Buffer.from('HCBK')
const FORMAT_VERSION = 1
const KIND = { meta: 1, file: 2, record: 3, end: 255 } as const
/** Bound on one frame, so a damaged length cannot make the reader buffer gigabytes. */
const MAX_FRAME_BYTES = 256 * 1024 * 1024
const WRITE_CHUNK_BYTES = 1024 * 1024

export interface BackupMeta {
  format: 'hashcoop-backup'
  createdAt: string
  /** hex: the node's writer key (its Autobase input), what a restore must not fork. */
  writerKey: string
  /** 'offline' (data dir opened by the backup) or 'online' (a running node's snapshot). */
  mode: 'offline' | 'online'
}

export type BackupItem =
  | { kind: 'file'; name: string; data: Buffer }
  | { kind: 'record'; key: Buffer; value: Buffer }

export class BackupFormatError extends Error {
  override name = 'BackupFormatError'
}

function frame(kind: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5)
  head.writeUInt8(kind, 0)
  head.writeUInt32BE(payload.length, 1)
  return Buffer.concat([head, payload])
}

function prefixed(lengthBytes: 2 | 4, first: Buffer, rest: Uint8Array): Buffer {
  const len = Buffer.alloc(lengthBytes)
  if (lengthBytes === 2) len.writeUInt16BE(first.length)
  else len.writeUInt32BE(first.length)
  return Buffer.concat([len, first, rest])
}

/** Writes `out` atomically (a temporary file, renamed once complete). Returns the bytes written. */
export async function writeBackupArchive(out: string, meta: BackupMeta, items: AsyncIterable<BackupItem>): Promise<{ bytes: number; files: number; records: number }> {
  const tmp = `${out}.${process.pid}.tmp`
  const file = createWriteStream(tmp, { mode: 0o600 }) // it holds the node's keys
  const gzip = createGzip()
  gzip.pipe(file)
  // Frames gathered into ~1 MB writes: one gzip write per small record took 2/3 of the time.
  let pending: Buffer[] = []
  let pendingBytes = 0
  const flush = async (): Promise<void> => {
    const chunk = Buffer.concat(pending)
    pending = []
    pendingBytes = 0
    if (!gzip.write(chunk)) await once(gzip, 'drain')
  }
  const put = async (chunk: Buffer): Promise<void> => {
    pending.push(chunk)
    pendingBytes += chunk.length
    if (pendingBytes >= WRITE_CHUNK_BYTES) await flush()
  }
  let files = 0
  let records = 0
  try {
    await put(Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION])]))
    await put(frame(KIND.meta, Buffer.from(JSON.stringify(meta))))
    for await (const item of items) {
      if (item.kind === 'file') {
        files++
        await put(frame(KIND.file, prefixed(2, Buffer.from(item.name, 'utf8'), item.data)))
      } else {
        records++
        await put(frame(KIND.record, prefixed(4, item.key, item.value)))
      }
    }
    await put(frame(KIND.end, Buffer.from(JSON.stringify({ files, records }))))
    await flush()
    gzip.end()
    await once(file, 'close')
    await rename(tmp, out)
    return { bytes: file.bytesWritten, files, records }
  } catch (err) {
    gzip.destroy()
    file.destroy()
    await rm(tmp, { force: true })
    throw err
  }
}

/** Accumulates gunzipped chunks and hands out whole byte ranges. */
class ByteQueue {
  private buf: Buffer = Buffer.alloc(0)
  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  /** Exactly n bytes, or null at a clean end of stream before any of them. */
  async take(n: number): Promise<Buffer | null> {
    while (this.buf.length < n) {
      const next = await this.chunks.next()
      if (next.done === true) {
        if (this.buf.length === 0) return null
        throw new BackupFormatError('the backup file is truncated')
      }
      this.buf = this.buf.length === 0 ? next.value : Buffer.concat([this.buf, next.value])
    }
    const out = this.buf.subarray(0, n)
    this.buf = this.buf.subarray(n)
    return out
  }
}

function decodeItem(kind: number, payload: Buffer): BackupItem {
  if (kind === KIND.file) {
    const nameLength = payload.readUInt16BE(0)
    const name = payload.subarray(2, 2 + nameLength).toString('utf8')
    if (name === '' || name.includes('/') || name.includes('\\') || name === '.' || name === '..') throw new BackupFormatError(`bad file name in the backup: ${JSON.stringify(name)}`)
    return { kind: 'file', name, data: payload.subarray(2 + nameLength) }
  }
  if (kind === KIND.record) {
    const keyLength = payload.readUInt32BE(0)
    return { kind: 'record', key: payload.subarray(4, 4 + keyLength), value: payload.subarray(4 + keyLength) }
  }
  throw new BackupFormatError(`unknown frame kind ${kind} in the backup`)
}

function parseMeta(payload: Buffer): BackupMeta {
  const meta = JSON.parse(payload.toString('utf8')) as Partial<BackupMeta>
  if (meta.format !== 'hashcoop-backup' || typeof meta.writerKey !== 'string' || typeof meta.createdAt !== 'string') throw new BackupFormatError('not a hashcoop backup (bad meta frame)')
  return meta as BackupMeta
}

async function nextFrame(q: ByteQueue): Promise<{ kind: number; payload: Buffer }> {
  const head = await q.take(5)
  if (head === null) throw new BackupFormatError('the backup file is truncated (no end frame)')
  const length = head.readUInt32BE(1)
  if (length > MAX_FRAME_BYTES) throw new BackupFormatError(`a frame of ${length} bytes: the backup file is damaged`)
  const payload = length === 0 ? Buffer.alloc(0) : await q.take(length)
  if (payload === null) throw new BackupFormatError('the backup file is truncated')
  return { kind: head.readUInt8(0), payload }
}

export interface BackupReader {
  meta: BackupMeta
  /** The files and records, in order; throws if the file ends early or the counts disagree. */
  items: AsyncGenerator<BackupItem>
}

export async function readBackupArchive(path: string): Promise<BackupReader> {
  const gunzip = createReadStream(path).pipe(createGunzip())
  const q = new ByteQueue(gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>)
  let head: Buffer | null
  try {
    head = await q.take(MAGIC.length + 1)
  } catch (err) {
    throw new BackupFormatError(`${path} is not a hashcoop backup (${err instanceof Error ? err.message : String(err)})`)
  }
  if (head === null || !head.subarray(0, MAGIC.length).equals(MAGIC)) throw new BackupFormatError(`${path} is not a hashcoop backup`)
  if (head[MAGIC.length] !== FORMAT_VERSION) throw new BackupFormatError(`${path} is a backup of format ${head[MAGIC.length]}, this hashcoop reads ${FORMAT_VERSION}`)
  const first = await nextFrame(q)
  if (first.kind !== KIND.meta) throw new BackupFormatError(`${path}: the meta frame is missing`)
  const meta = parseMeta(first.payload)
  async function* items(): AsyncGenerator<BackupItem> {
    const seen = { files: 0, records: 0 }
    for (;;) {
      const f = await nextFrame(q)
      if (f.kind === KIND.end) {
        const end = JSON.parse(f.payload.toString('utf8')) as { files: number; records: number }
        if (end.files !== seen.files || end.records !== seen.records) throw new BackupFormatError('the backup file is damaged (its counts disagree)')
        return
      }
      const item = decodeItem(f.kind, f.payload)
      seen[item.kind === 'file' ? 'files' : 'records']++
      yield item
    }
  }
  return { meta, items: items() }
}
