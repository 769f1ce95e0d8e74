/**
 * `hashcoop backup` / `hashcoop restore` from the command line, offline (no bitcoind, no network):
 * a founder's data dir round-trips with its writer key, files and restore marker; a damaged or
 * truncated file, an existing output and a non-empty target are refused with a reason.
 */
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runBackup, runRestore, type BackupIo } from '../../../src/cli/backup.js'
import { localWriterKey, openCoopStore } from '../../../src/coop/store.js'
import { initCooperative } from '../../../src/node/node.js'
import { tempDirs } from '../../harness/wait.js'

const dirs = tempDirs('backup-cli')
afterAll(() => dirs.removeAll())

function capture(): BackupIo & { text: () => string } {
  let text = ''
  return { out: (t) => void (text += t), err: (t) => void (text += t), text: () => text }
}

async function writerKeyOf(dataDir: string): Promise<string> {
  const coop = await openCoopStore(dataDir)
  try {
    return Buffer.from(await localWriterKey(coop.store)).toString('hex')
  } finally {
    await coop.close()
  }
}

describe('hashcoop backup / restore', () => {
  it('round-trips a stopped data dir to a new path with the same writer key, and refuses what it must', async () => {
    const source = dirs.make()
    await initCooperative({ dataDir: source, network: 'regtest' })
    const out = join(dirs.make(), 'node.hcbk')

    const io = capture()
    expect(await runBackup(['--data', source, '--out', out], io)).toBe(0)
    expect(io.text()).toMatch(/wrote .*node\.hcbk \(offline\): \d+ bytes, 1 files, \d+ store records; writer key [0-9a-f]{64}/)
    expect(statSync(out).mode & 0o777).toBe(0o600)
    const again = capture()
    expect(await runBackup(['--data', source, '--out', out], again)).toBe(1)
    expect(again.text()).toMatch(/exists: pass --force/)
    expect(await runBackup(['--data', source, '--out', out, '--force'], capture())).toBe(0)

    const target = join(dirs.make(), 'new', 'place')
    const restored = capture()
    expect(await runRestore([out, '--data', target], restored)).toBe(0)
    expect(restored.text()).toMatch(/restored .* into .*place in \d+ ms: 1 files/)
    expect(readFileSync(join(target, 'coop.json'), 'utf8')).toBe(readFileSync(join(source, 'coop.json'), 'utf8'))
    expect(JSON.parse(readFileSync(join(target, 'restored.json'), 'utf8'))).toMatchObject({ writerKey: await writerKeyOf(source) })
    expect(await writerKeyOf(target)).toBe(await writerKeyOf(source))

    const nonEmpty = capture()
    expect(await runRestore([out, '--data', target], nonEmpty)).toBe(1)
    expect(nonEmpty.text()).toMatch(/is not empty: restore into a new data dir/)
  })

  it('refuses a file that is not a backup, a truncated one, and a bad command line', async () => {
    const junk = join(dirs.make(), 'junk')
    writeFileSync(junk, 'not a backup')
    const io = capture()
    expect(await runRestore([junk, '--data', join(dirs.make(), 'x')], io)).toBe(1)
    expect(io.text()).toMatch(/not a hashcoop backup/)

    const source = dirs.make()
    await initCooperative({ dataDir: source, network: 'regtest' })
    const out = join(dirs.make(), 'cut.hcbk')
    expect(await runBackup(['--data', source, '--out', out], capture())).toBe(0)
    truncateSync(out, Math.floor(statSync(out).size / 2))
    const cut = capture()
    const target = join(dirs.make(), 'y')
    expect(await runRestore([out, '--data', target], cut)).toBe(1)
    expect(cut.text()).toMatch(/hashcoop restore: .*(truncated|unexpected end)/i)
    expect(() => statSync(target)).toThrow() // nothing half-restored is left behind

    const usage = capture()
    expect(await runBackup(['--data', source], usage)).toBe(2)
    expect(usage.text()).toMatch(/--out FILE is required/)
    expect(await runRestore(['--data', target], capture())).toBe(2)
    const notData = capture()
    expect(await runBackup(['--data', dirs.make(), '--out', join(dirs.make(), 'z')], notData)).toBe(1)
    expect(notData.text()).toMatch(/not a hashcoop data dir/)
  })
})
