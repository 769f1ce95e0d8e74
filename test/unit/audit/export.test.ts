import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { audit } from '../../../src/audit/audit.js'
import { checksum, HEADER_SIZE, RECORD_OVERHEAD } from '../../../src/audit/export-format.js'
import { ExportFileError, openExport } from '../../../src/audit/export-reader.js'
import { writeExport } from '../../../src/audit/export-writer.js'
import { toJson, type AuditReport } from '../../../src/audit/report.js'
import { minerScript } from '../../harness/sharechain.js'
import { easier, favour, forgeShare, idOf, mineHonest, sourceOf, withInjected, REGTEST_BLOCK_BITS, type Honest } from './fixtures.js'

let dir: string
let honest: Honest
let file: string
let bytes: Uint8Array
let viewReport: AuditReport

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hashcoop-audit-export-'))
  honest = await mineHonest()
  file = join(dir, 'honest.hcx')
  await writeExport(file, await sourceOf(honest.chain))
  bytes = new Uint8Array(await readFile(file))
  viewReport = await audit(await sourceOf(honest.chain))
}, 60_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function auditFile(path: string): Promise<AuditReport> {
  const source = await openExport(path)
  try {
    return await audit(source)
  } finally {
    await source.close()
  }
}

/** The error opening (and verifying) `data` as an export gives. */
async function openError(data: Uint8Array, name = 'damaged.hcx'): Promise<ExportFileError> {
  const path = join(dir, name)
  await writeFile(path, data)
  try {
    const source = await openExport(path)
    await source.close()
  } catch (err) {
    if (err instanceof ExportFileError) return err
    throw err
  }
  throw new Error('the damaged export opened')
}

describe('an export of an honest cooperative', () => {
  it('audits clean offline, with the same figures as the live view', async () => {
    const r = await auditFile(file)
    expect(r.anomalies).toEqual([])
    expect(r.summary.clean).toBe(true)
    expect(r.source).toEqual({ kind: 'file', label: `export file ${file}` })
    expect(r.payouts).toEqual(viewReport.payouts)
    expect(r.blocks).toEqual(viewReport.blocks)
    expect({ ...r.summary }).toEqual({ ...viewReport.summary })
  })

  it('replays deterministically: two runs give byte-identical JSON', async () => {
    const a = toJson(await auditFile(file))
    const b = toJson(await auditFile(file))
    expect(b).toBe(a)
    expect(a).not.toContain('generatedAt')
  })

  it('is the same bytes when written twice from the same view', async () => {
    const again = join(dir, 'again.hcx')
    await writeExport(again, await sourceOf(honest.chain))
    expect(new Uint8Array(await readFile(again))).toEqual(bytes)
  })

  it('is not overwritten unless asked', async () => {
    await expect(writeExport(file, await sourceOf(honest.chain))).rejects.toThrow(/already exists \(use --force/)
    await writeExport(file, await sourceOf(honest.chain), { overwrite: true })
    expect(new Uint8Array(await readFile(file))).toEqual(bytes)
  })
})

describe('a damaged export', () => {
  it('a flipped byte anywhere is detected, and the range reported holds it', async () => {
    const path = join(dir, 'flip.hcx')
    await writeFile(path, bytes)
    const handle = await open(path, 'r+')
    const seen = new Set<string>()
    try {
      for (let pos = 0; pos < bytes.length; pos++) {
        const mask = 1 << (pos % 8) // one bit, a different one as we go
        await handle.write(Uint8Array.of((bytes[pos] as number) ^ mask), 0, 1, pos)
        let error: unknown = null
        try {
          const s = await openExport(path)
          await s.close()
        } catch (err) {
          error = err
        }
        await handle.write(bytes.subarray(pos, pos + 1), 0, 1, pos)
        expect(error, `flip at byte ${pos} went unnoticed`).toBeInstanceOf(ExportFileError)
        const e = error as ExportFileError
        expect(e.start, `flip at ${pos}: ${e.message}`).not.toBeNull()
        expect(pos).toBeGreaterThanOrEqual(e.start as number)
        expect(pos).toBeLessThan(e.end as number)
        seen.add(e.message.replace(/\d+/g, 'N'))
      }
    } finally {
      await handle.close()
    }
    // every kind of place was hit: magic, header checksum, record checksums, lengths
    expect([...seen].some((m) => m.includes('magic'))).toBe(true)
    expect([...seen].some((m) => m.includes('header (bytes N-N) fails its checksum'))).toBe(true)
    expect([...seen].some((m) => /record N \(share\) at bytes N-N fails its checksum/.test(m))).toBe(true)
    expect([...seen].some((m) => /record N \(view\) at bytes N-N fails its checksum/.test(m))).toBe(true)
    expect([...seen].some((m) => m.includes('length field'))).toBe(true)
  }, 120_000)

  it('a flip in a share record names the record and its byte range', async () => {
    const pos = HEADER_SIZE + RECORD_OVERHEAD + 150 // inside the genesis record or the first share
    const damaged = bytes.slice()
    damaged[pos] = (damaged[pos] as number) ^ 0x10
    const e = await openError(damaged)
    expect(e.message).toMatch(/^export file .*damaged\.hcx is damaged: record \d+ \((genesis|share)\) at bytes \d+-\d+ fails its checksum$/)
  })

  it('a truncated file', async () => {
    const e = await openError(bytes.subarray(0, bytes.length - 20))
    expect(e.message).toMatch(/truncated/)
    const short = await openError(bytes.subarray(0, 10))
    expect(short.message).toMatch(/shorter than the 16-byte header/)
  })

  it('a record removed whole (its checksum intact) breaks the file checksum', async () => {
    // records after the header: genesis, then the first share record; remove the latter
    const genesisLength = new DataView(bytes.buffer).getUint32(HEADER_SIZE + 1, true)
    const first = HEADER_SIZE + RECORD_OVERHEAD + genesisLength
    const length = new DataView(bytes.buffer).getUint32(first + 1, true)
    const without = new Uint8Array([...bytes.subarray(0, first), ...bytes.subarray(first + RECORD_OVERHEAD + length)])
    const e = await openError(without)
    expect(e.message).toMatch(/the SHA-256 in the end record .* does not match bytes 0-\d+: records were removed, repeated or reordered|counts \d+ records, the file has \d+/)
  })

  it('trailing bytes, a foreign file, an unknown format version', async () => {
    expect((await openError(new Uint8Array([...bytes, 0]))).message).toMatch(/1 unexpected bytes after its end record/)
    expect((await openError(new TextEncoder().encode('{"not":"an export"}'))).message).toMatch(/is not a hashcoop export, or its byte 0 is damaged/)
    const v2 = bytes.slice()
    v2[8] = 2
    new DataView(v2.buffer).setUint32(12, checksum(v2.subarray(0, 12)), true)
    expect((await openError(v2)).message).toMatch(/export format version 2; this hashcoop reads version 1/)
  })

  it('a derived record of the wrong shape (checksums fine): refused, naming the record', async () => {
    const source = await sourceOf(honest.chain)
    const [first, ...rest] = source.claims.blocks
    if (first === undefined) throw new Error('no block')
    const broken = { ...first, outputs: [{ script: 'zz', value: '-1' }] }
    const path = join(dir, 'broken-claim.hcx')
    await writeExport(path, { ...source, claims: { ...source.claims, blocks: [broken, ...rest] } })
    await expect(openExport(path)).rejects.toThrow(new RegExp(`is invalid: record \\d+ \\(view\\) at byte \\d+: record block!${first.id} is malformed \\(outputs\\)`))
  })

  it('a missing file is a clear error', async () => {
    await expect(openExport(join(dir, 'nope.hcx'))).rejects.toThrow(/cannot open export file .*nope\.hcx \(no such file\)/)
  })
})

describe('forged shares injected into an export (checksums recomputed)', () => {
  it('a coinbase favouring one address: rejected as bad-merkle-root by the replay, with the share id', async () => {
    const cheat = minerScript(4)
    const forged = await forgeShare(honest.chain, cheat, { payouts: favour(cheat) })
    const path = join(dir, 'forged.hcx')
    await writeExport(path, withInjected(await sourceOf(honest.chain), forged))
    const r = await auditFile(path)
    expect(r.anomalies.filter((a) => a.kind === 'replay-rejected')).toEqual([expect.objectContaining({ id: idOf(forged), reason: 'bad-merkle-root' })])
    expect(r.summary.clean).toBe(false)
  })

  it('an easier share target than the retarget allows: rejected as bad-share-target', async () => {
    const base = await honest.chain.state.workBase(honest.chain.view)
    const forged = await forgeShare(honest.chain, minerScript(1), { shareBits: easier(base?.shareBits ?? 0), headerBits: REGTEST_BLOCK_BITS })
    const path = join(dir, 'easy.hcx')
    await writeExport(path, withInjected(await sourceOf(honest.chain), forged))
    const r = await auditFile(path)
    expect(r.anomalies.filter((a) => a.kind === 'replay-rejected')).toEqual([expect.objectContaining({ id: idOf(forged), reason: 'bad-share-target' })])
  })
})
