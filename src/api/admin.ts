/**
 * Membership operations over the API, for `hashcoop coop add-writer|add-indexer|remove-indexer`
 * against a running node (the node holds its data dir's lock, so another process cannot open the
 * log to append them). The node writes `api.json` into its data dir when its API listens: the URL
 * and a random bearer token, readable by the data dir's owner only (mode 0600); whoever can read
 * the data dir may administer the node, nobody else. The file goes away when the node stops.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { writeFileAtomic } from '../fs/write-atomic.js'
import { join } from 'node:path'
import type { ApiNode } from './source.js'

export const API_FILE = 'api.json'

export const ADMIN_OPS = ['add-writer', 'add-indexer', 'remove-indexer'] as const
export type AdminOpName = (typeof ADMIN_OPS)[number]

export function isAdminOp(name: string): name is AdminOpName {
  return (ADMIN_OPS as readonly string[]).includes(name)
}

/** Appends the op through CoopBase (only an indexer may; CoopBase says so otherwise). */
export async function runAdminOp(base: ApiNode['base'], op: AdminOpName, key: Uint8Array): Promise<void> {
  if (op === 'add-writer') await base.addWriter(key)
  else if (op === 'add-indexer') await base.addIndexer(key)
  else await base.removeWriter(key) // removes a writer or an indexer (never the last indexer: admin-op.ts)
}

export class WriterKeyError extends Error {}

/** A node's writer key: 64 hex digits (GET /api/status shows it as node.writerKey). */
export function parseWriterKey(text: unknown): Uint8Array {
  if (typeof text !== 'string' || !/^[0-9a-fA-F]{64}$/.test(text.trim())) {
    throw new WriterKeyError(`a writer key is 64 hex digits (the node's /api/status shows it as node.writerKey), got ${JSON.stringify(String(text).slice(0, 80))}`)
  }
  return Uint8Array.from(Buffer.from(text.trim(), 'hex'))
}

export interface ApiFile {
  url: string
  token: string
  pid: number
}

export function newToken(): string {
  return randomBytes(32).toString('hex')
}

export function tokenMatches(expected: string, header: string | undefined): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '')
  if (m === null) return false
  const given = Buffer.from(m[1] as string)
  const want = Buffer.from(expected)
  return given.length === want.length && timingSafeEqual(given, want)
}

export async function writeApiFile(dataDir: string, file: ApiFile): Promise<void> {
  const path = join(dataDir, API_FILE)
  await writeFileAtomic(path, JSON.stringify(file, null, 2) + '\n', 0o600)
}

export async function readApiFile(dataDir: string): Promise<ApiFile | null> {
  let text: string
  try {
    text = await readFile(join(dataDir, API_FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  const parsed = JSON.parse(text) as Partial<ApiFile>
  if (typeof parsed.url !== 'string' || typeof parsed.token !== 'string' || typeof parsed.pid !== 'number') throw new Error(`${join(dataDir, API_FILE)} is damaged: remove it and restart the node`)
  return { url: parsed.url, token: parsed.token, pid: parsed.pid }
}

/** Removes the file only if it is this process's (a newer node may have replaced it). */
export async function removeApiFile(dataDir: string, token: string): Promise<void> {
  const current = await readApiFile(dataDir).catch(() => null)
  if (current !== null && current.token === token) await rm(join(dataDir, API_FILE), { force: true })
}
