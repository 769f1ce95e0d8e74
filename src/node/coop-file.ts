import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../fs/write-atomic.js'
import { join } from 'node:path'

/**
 * `coop.json` in the data dir: which cooperative this dir belongs to and whether it founded it,
 * so `hashcoop node --data DIR` restarts without the join key. Written atomically (tmp + rename).
 */
export interface CoopFile {
  joinKey: string
  founder: boolean
}

export const COOP_FILE = 'coop.json'

export async function readCoopFile(dataDir: string): Promise<CoopFile | null> {
  let text: string
  try {
    text = await readFile(join(dataDir, COOP_FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error(`${join(dataDir, COOP_FILE)} is not valid JSON: fix or remove it`)
  }
  const f = parsed as Partial<CoopFile>
  if (typeof f.joinKey !== 'string' || typeof f.founder !== 'boolean') throw new Error(`${join(dataDir, COOP_FILE)} lacks joinKey/founder`)
  return { joinKey: f.joinKey, founder: f.founder }
}

export async function writeCoopFile(dataDir: string, file: CoopFile): Promise<void> {
  const path = join(dataDir, COOP_FILE)
  await writeFileAtomic(path, JSON.stringify(file, null, 2) + '\n', 0o600)
}
