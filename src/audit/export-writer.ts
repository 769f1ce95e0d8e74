import { createHash, type Hash } from 'node:crypto'
import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { fromHex } from '../bitcoin/bytes.js'
import { encodeParams } from '../../protocol/params.js'
import { KEY } from '../sharechain/view.js'
import { encode, encodeEndBody, encodeHeader, encodeRecord, RECORD, rejectedBodyCodec, shareBodyCodec, viewBodyCodec, type RecordType } from './export-format.js'
import type { AuditSource } from './log.js'

export interface ExportSummary {
  bytes: number
  records: number
  shares: number
  rejected: number
}

export interface ExportOptions {
  /** Called now and then with the number of log items written. */
  onProgress?: (done: number) => void
  /** Replace an existing file (default: refuse). */
  overwrite?: boolean
}

/**
 * Writes a source (a node's view) to one export file (protocol/EXPORT.md): the genesis record, the
 * log items in seq order, the node's derived records, the end record. Written to a temporary file
 * beside the target and renamed at the end, so a reader never sees half a file.
 */
export async function writeExport(path: string, source: AuditSource, opts: ExportOptions = {}): Promise<ExportSummary> {
  if (opts.overwrite !== true) await refuseExisting(path)
  const tmp = `${path}.${process.pid}.partial`
  const out = await open(tmp, 'w')
  const writer = new RecordWriter(out)
  let shares = 0
  let rejected = 0
  try {
    await writer.raw(encodeHeader())
    await writer.record(RECORD.genesis, encodeParams(source.params))
    let done = 0
    for await (const item of source.items()) {
      if (item.kind === 'share') {
        await writer.record(RECORD.share, encode(shareBodyCodec, { seq: item.seq, id: fromHex(item.claimedId, 'share id'), share: item.bytes }))
        shares++
      } else {
        const v = item.value
        await writer.record(RECORD.rejected, encode(rejectedBodyCodec, { seq: v.seq, reason: v.reason, detail: v.detail, id: v.id === null ? null : fromHex(v.id, 'rejected id'), writer: v.writer, bytes: v.bytes }))
        rejected++
      }
      if (++done % 1000 === 0) opts.onProgress?.(done)
    }
    opts.onProgress?.(done)
    const claims = source.claims
    const view: [string, unknown][] = []
    if (claims.tip !== null) view.push([KEY.tip, claims.tip])
    if (claims.stats !== null) view.push([KEY.stats, claims.stats])
    for (const m of claims.miners) view.push([KEY.miner(m.script), m])
    for (const b of claims.blocks) view.push([KEY.block(b.id), b])
    for (const [key, value] of view) await writer.record(RECORD.view, encode(viewBodyCodec, { key, json: JSON.stringify(value) }))
    await writer.end()
    await out.sync()
    await out.close()
    await rename(tmp, path)
    return { bytes: writer.offset, records: writer.records + 1, shares, rejected }
  } catch (err) {
    await out.close().catch(() => {})
    await rm(tmp, { force: true })
    throw err
  }
}

async function refuseExisting(path: string): Promise<void> {
  let existing: FileHandle | null = null
  try {
    existing = await open(path, 'r')
  } catch {
    return
  }
  await existing.close()
  throw new Error(`${path} already exists (use --force to replace it)`)
}

/** Buffered record output with the running SHA-256 the end record needs. */
class RecordWriter {
  offset = 0
  records = 0
  private readonly hash: Hash = createHash('sha256')
  private chunks: Uint8Array[] = []
  private buffered = 0

  constructor(private readonly file: FileHandle) {}

  async raw(bytes: Uint8Array): Promise<void> {
    this.hash.update(bytes)
    this.chunks.push(bytes)
    this.buffered += bytes.length
    this.offset += bytes.length
    if (this.buffered >= 1 << 20) await this.flush()
  }

  async record(type: RecordType, body: Uint8Array): Promise<void> {
    await this.raw(encodeRecord(type, body))
    this.records++
  }

  async end(): Promise<void> {
    const body = encodeEndBody({ records: this.records, sha256: new Uint8Array(this.hash.digest()) })
    const bytes = encodeRecord(RECORD.end, body)
    this.chunks.push(bytes)
    this.buffered += bytes.length
    this.offset += bytes.length
    await this.flush()
  }

  private async flush(): Promise<void> {
    if (this.buffered === 0) return
    await this.file.write(Buffer.concat(this.chunks))
    this.chunks = []
    this.buffered = 0
  }
}
