import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dayOfSharesBytes, storageFailure, StorageWatch } from '../../../src/node/storage-watch.js'

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code })
}

describe('storageFailure', () => {
  it('knows a full, read-only or failing disk by code, by RocksDB\'s wording, and through a cause', () => {
    expect(storageFailure(errno('ENOSPC', 'ENOSPC: no space left on device, write'))).toBe('ENOSPC: no space left on device, write')
    expect(storageFailure(errno('EROFS', 'open failed'))).toBe('EROFS: open failed')
    expect(storageFailure(new Error('IO error: No space left on deviceWhile appending to file: 000012.log'))).toMatch(/No space left/)
    expect(storageFailure(new Error('append failed', { cause: errno('EIO', 'EIO: i/o error, fsync') }))).toBe('EIO: i/o error, fsync')
  })

  it('leaves every other error alone', () => {
    expect(storageFailure(new Error('the view refused the share'))).toBeNull()
    expect(storageFailure(errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8332'))).toBeNull()
    expect(storageFailure('ENOSPC')).toBeNull()
    expect(storageFailure(undefined)).toBeNull()
  })
})

describe('StorageWatch', () => {
  it('probes the data dir, and reports once when it cannot write there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hashcoop-storage-'))
    const reasons: string[] = []
    const watch = new StorageWatch({ dataDir: dir, onFailure: (r) => reasons.push(r) })
    await watch.probe()
    expect(reasons).toEqual([])
    rmSync(dir, { recursive: true, force: true }) // the disk went away
    await watch.probe()
    await watch.probe()
    expect(reasons).toHaveLength(1)
    expect(reasons[0]).toContain(dir)
    expect(watch.failure).toBe(reasons[0])
  })

  it('takes storage errors met elsewhere, and only those', () => {
    const reasons: string[] = []
    const watch = new StorageWatch({ dataDir: tmpdir(), onFailure: (r) => reasons.push(r) })
    expect(watch.report(new Error('stratum went away'))).toBe(false)
    expect(watch.report(errno('ENOSPC', 'ENOSPC: no space left on device'))).toBe(true)
    expect(watch.report(errno('EIO', 'EIO'))).toBe(true)
    expect(reasons).toEqual(['ENOSPC: no space left on device']) // once
  })
})

describe('StorageWatch free space', () => {
  it('warns once when the free space falls under a day of shares, and once when it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hashcoop-storage-'))
    let free = 500e6
    const said: string[] = []
    const watch = new StorageWatch({
      dataDir: dir,
      lowSpaceBytes: dayOfSharesBytes(10),
      freeSpace: async () => free,
      onFailure: (r) => said.push(`failed ${r}`),
      onLowSpace: (f, t) => said.push(`low ${f} < ${t}`),
      onSpaceBack: (f) => said.push(`back ${f}`)
    })
    await watch.probe()
    expect(watch.status()).toEqual({ failure: null, freeBytes: 500e6, lowSpaceBytes: 8_640 * 5_000 + 8 * 1024 * 1024, low: false })
    free = 40e6
    await watch.probe()
    await watch.probe()
    expect(watch.status().low).toBe(true)
    free = 200e6
    await watch.probe()
    expect(said).toEqual([`low 40000000 < ${dayOfSharesBytes(10)}`, 'back 200000000'])
    rmSync(dir, { recursive: true, force: true })
  })

  it('sizes a day of shares by the share interval (every node stores every share)', () => {
    expect(dayOfSharesBytes(10)).toBe(51_588_608) // mainnet: 8,640 shares a day
    expect(dayOfSharesBytes(2)).toBe(43_200 * 5_000 + 8_388_608)
  })
})
