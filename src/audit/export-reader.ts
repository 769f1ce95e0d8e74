import { createHash } from 'node:crypto'
import { open, type FileHandle } from 'node:fs/promises'
import { equalBytes, toHex } from '../bitcoin/bytes.js'
import { DecodeError } from '../../protocol/codec.js'
import { consensusId as computeConsensusId, decodeParams, type CoopParams } from '../../protocol/params.js'
import type { BlockValue, InvalidValue, MinerValue, StatsValue, TipValue } from '../sharechain/view.js'
import {
  checksum,
  decode,
  decodeEndBody,
  FORMAT_VERSION,
  HEADER_SIZE,
  MAGIC,
  MAX_BODY,
  RECORD,
  RECORD_OVERHEAD,
  recordName,
  rejectedBodyCodec,
  shareBodyCodec,
  viewBodyCodec
} from './export-format.js'
import { checkClaim } from './claims.js'
import { AuditSourceError, type AuditSource, type LogItem, type NodeClaims } from './log.js'

/**
 * A damaged or invalid export file. `start`/`end` (half-open) are the byte range of the header or
 * record that fails: a flipped byte is always inside the range reported.
 */
export class ExportFileError extends AuditSourceError {
  override name = 'ExportFileError'
  constructor(
    message: string,
    readonly path: string,
    readonly start: number | null,
    readonly end: number | null
  ) {
    super(message)
  }
}

const READ_CHUNK = 1 << 20

/** Sequential reads over a file handle, with the absolute offset of the next byte. */
class FileReader {
  offset = 0
  private buf = new Uint8Array(0)
  private pos = 0

  constructor(
    private readonly file: FileHandle,
    readonly size: number
  ) {}

  get remaining(): number {
    return this.size - this.offset
  }

  /** Exactly n bytes (the caller checked `remaining`). */
  async read(n: number): Promise<Uint8Array> {
    if (this.buf.length - this.pos < n) {
      const keep = this.buf.subarray(this.pos)
      const want = Math.max(READ_CHUNK, n)
      const next = new Uint8Array(keep.length + want)
      next.set(keep, 0)
      const fileOffset = this.offset + keep.length
      const { bytesRead } = await this.file.read(next, keep.length, Math.min(want, this.size - fileOffset), fileOffset)
      this.buf = next.subarray(0, keep.length + bytesRead)
      this.pos = 0
      if (this.buf.length < n) throw new Error(`short read at byte ${this.offset}: the file changed while it was read`)
    }
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    this.offset += n
    return out
  }
}

interface RawRecord {
  index: number
  type: number
  body: Uint8Array
  /** The record's bytes as they are in the file: type and length, body, crc. */
  parts: Uint8Array[]
  start: number
  end: number
}

/**
 * Reads one record and checks its CRC. `index` counts records after the header from 1 (the
 * genesis record is record 1).
 */
async function readRecord(r: FileReader, path: string, index: number): Promise<RawRecord> {
  const start = r.offset
  const fail = (msg: string, end: number): never => {
    throw new ExportFileError(`export file ${path} is damaged: ${msg}`, path, start, end)
  }
  if (r.remaining < 5) fail(`record ${index} at byte ${start} is cut short (${r.remaining} bytes left, a record needs at least ${RECORD_OVERHEAD}): the file is truncated`, r.size)
  const head = await r.read(5)
  const type = head[0] as number
  const length = new DataView(head.buffer, head.byteOffset, 5).getUint32(1, true)
  if (length > MAX_BODY) fail(`record ${index} at byte ${start} declares a body of ${length} bytes (at most ${MAX_BODY}): its length field (bytes ${start + 1}-${start + 4}) is damaged`, start + 5)
  if (r.remaining < length + 4) fail(`record ${index} at byte ${start} declares a body of ${length} bytes but only ${r.remaining} bytes follow: the file is truncated or the record's length field (bytes ${start + 1}-${start + 4}) is damaged`, r.size)
  const body = (await r.read(length)).slice()
  const crcBytes = await r.read(4)
  const stored = new DataView(crcBytes.buffer, crcBytes.byteOffset, 4).getUint32(0, true)
  const end = r.offset
  if (checksum(head, body) !== stored) fail(`record ${index} (${recordName(type)}) at bytes ${start}-${end - 1} fails its checksum`, end)
  return { index, type, body, parts: [head, body, crcBytes], start, end }
}

async function checkHeader(r: FileReader, path: string): Promise<Uint8Array> {
  if (r.size < HEADER_SIZE) throw new ExportFileError(`${path} is not a hashcoop export: ${r.size} bytes, shorter than the ${HEADER_SIZE}-byte header`, path, 0, r.size)
  const header = (await r.read(HEADER_SIZE)).slice()
  for (let i = 0; i < MAGIC.length; i++) {
    if (header[i] !== MAGIC[i]) {
      throw new ExportFileError(`${path} is not a hashcoop export, or its byte ${i} is damaged: 0x${hex2(header[i] as number)} where the magic has 0x${hex2(MAGIC[i] as number)}`, path, i, i + 1)
    }
  }
  const dv = new DataView(header.buffer)
  if (checksum(header.subarray(0, 12)) !== dv.getUint32(12, true)) throw new ExportFileError(`export file ${path} is damaged: the header (bytes 0-15) fails its checksum`, path, 0, HEADER_SIZE)
  const version = dv.getUint16(8, true)
  if (version !== FORMAT_VERSION) throw new ExportFileError(`${path} is export format version ${version}; this hashcoop reads version ${FORMAT_VERSION}`, path, 8, 10)
  if (dv.getUint16(10, true) !== 0) throw new ExportFileError(`${path} uses export flags 0x${dv.getUint16(10, true).toString(16)} that this hashcoop does not know`, path, 10, 12)
  return header
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0')
}

interface Verified {
  params: CoopParams
  itemCount: number
  claims: NodeClaims
}

/**
 * The whole file, checked before anything is replayed: the header, every record's checksum, the
 * record order, each body's encoding, and the end record's count and SHA-256.
 */
async function verify(file: FileHandle, size: number, path: string): Promise<Verified> {
  const r = new FileReader(file, size)
  const hash = createHash('sha256')
  hash.update(await checkHeader(r, path))
  let params: CoopParams | null = null
  let itemCount = 0
  let lastSeq = -1
  let inViewRecords = false
  const claims: NodeClaims = { tip: null, stats: null, miners: [], blocks: [], heights: null }
  for (let index = 1; ; index++) {
    const rec = await readRecord(r, path, index)
    const bad = (msg: string): never => {
      throw new ExportFileError(`export file ${path} is invalid: record ${index} (${recordName(rec.type)}) at byte ${rec.start}: ${msg}`, path, rec.start, rec.end)
    }
    if (rec.type === RECORD.end) {
      let end
      try {
        end = decodeEndBody(rec.body)
      } catch (err) {
        return bad((err as Error).message)
      }
      if (params === null) bad('the file ends before its genesis record')
      if (end.records !== index - 1) bad(`the end record counts ${end.records} records, the file has ${index - 1}`)
      if (!equalBytes(end.sha256, new Uint8Array(hash.digest()))) {
        throw new ExportFileError(`export file ${path} is damaged: the SHA-256 in the end record (bytes ${rec.start}-${rec.end - 1}) does not match bytes 0-${rec.start - 1}: records were removed, repeated or reordered`, path, 0, rec.end)
      }
      if (r.remaining > 0) throw new ExportFileError(`export file ${path} has ${r.remaining} unexpected bytes after its end record (from byte ${rec.end})`, path, rec.end, size)
      return { params: params as CoopParams, itemCount, claims }
    }
    for (const part of rec.parts) hash.update(part)
    try {
      if (index === 1) {
        if (rec.type !== RECORD.genesis) bad('the first record must be the genesis record')
        params = decodeParams(rec.body)
      } else if (rec.type === RECORD.genesis) {
        bad('a second genesis record')
      } else if (rec.type === RECORD.share || rec.type === RECORD.rejected) {
        if (inViewRecords) bad('a log record after the view records')
        const seq = rec.type === RECORD.share ? decode(shareBodyCodec, rec.body, 'share record').seq : decode(rejectedBodyCodec, rec.body, 'rejected record').seq
        if (seq <= lastSeq) bad(`log position ${seq} is not after the previous record's ${lastSeq}`)
        lastSeq = seq
        itemCount++
      } else if (rec.type === RECORD.view) {
        inViewRecords = true
        addClaim(claims, decode(viewBodyCodec, rec.body, 'view record'))
      } else {
        bad(`unknown record type ${rec.type}`)
      }
    } catch (err) {
      if (err instanceof ExportFileError) throw err
      if (err instanceof DecodeError || err instanceof RangeError || err instanceof SyntaxError || (err as Error).name === 'ParamsError') bad((err as Error).message)
      throw err
    }
  }
}

function addClaim(claims: NodeClaims, v: { key: string; json: string }): void {
  const value = checkClaim(v.key, JSON.parse(v.json) as unknown, (message) => {
    throw new RangeError(message)
  })
  if (v.key === 'tip') claims.tip = value as TipValue
  else if (v.key === 'stats') claims.stats = value as StatsValue
  else if (v.key.startsWith('miner!')) claims.miners.push(value as MinerValue)
  else claims.blocks.push(value as BlockValue)
}

/** Opens an export file as an audit source; the whole file is verified first. */
export async function openExport(path: string): Promise<AuditSource> {
  let file: FileHandle
  try {
    file = await open(path, 'r')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    throw new AuditSourceError(`cannot open export file ${path} (${code === 'ENOENT' ? 'no such file' : code})`)
  }
  try {
    const { size } = await file.stat()
    const verified = await verify(file, size, path)
    const consensusId = computeConsensusId(verified.params)
    async function* items(): AsyncIterable<LogItem> {
      const r = new FileReader(file, size)
      await checkHeader(r, path)
      await readRecord(r, path, 1) // genesis
      for (let index = 2; ; index++) {
        const rec = await readRecord(r, path, index)
        if (rec.type === RECORD.share) {
          const b = decode(shareBodyCodec, rec.body, 'share record')
          yield { kind: 'share', seq: b.seq, claimedId: toHex(b.id), bytes: b.share }
        } else if (rec.type === RECORD.rejected) {
          const b = decode(rejectedBodyCodec, rec.body, 'rejected record')
          const value: InvalidValue = { seq: b.seq, reason: b.reason, detail: b.detail, id: b.id === null ? null : toHex(b.id), writer: b.writer, bytes: b.bytes }
          yield { kind: 'rejected', seq: b.seq, value }
        } else {
          return
        }
      }
    }
    return {
      kind: 'file',
      label: `export file ${path}`,
      params: verified.params,
      consensusId,
      itemCount: verified.itemCount,
      items,
      claims: { ...verified.claims, miners: sortBy(verified.claims.miners, (m) => m.script), blocks: sortBy(verified.claims.blocks, (b) => b.id) },
      close: () => file.close()
    }
  } catch (err) {
    await file.close().catch(() => {})
    throw err
  }
}

function sortBy<T>(items: T[], key: (t: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}
