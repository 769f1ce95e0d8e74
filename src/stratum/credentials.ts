/**
 * mining.authorize's username and password, as users of other pools write them:
 *   username  ADDRESS[.worker] or ADDRESS[_worker]  (the first '.' or '_' ends the address: neither
 *             base58 nor bech32 ever contains one, so the split is unambiguous)
 *   password  anything; a `d=N` item (alone or in a comma list such as `x,d=1024`) asks for a fixed
 *             difficulty N.
 */
import { AddressError, addressToScript } from '../bitcoin/address.js'
import type { NetworkName } from '../bitcoin/networks.js'

export interface Credentials {
  username: string
  address: string
  worker: string
  script: Uint8Array
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string }

export const MAX_WORKER_NAME = 64
const WORKER_RE = /^[\x21-\x7e]*$/ // printable ASCII, no spaces

export function parseUsername(username: string, network: NetworkName): Checked<Credentials> {
  const cut = username.search(/[._]/)
  const address = cut === -1 ? username : username.slice(0, cut)
  const worker = cut === -1 ? '' : username.slice(cut + 1)
  if (worker.length > MAX_WORKER_NAME) return { ok: false, message: `worker name is longer than ${MAX_WORKER_NAME} characters` }
  if (!WORKER_RE.test(worker)) return { ok: false, message: 'worker name may only hold printable ASCII without spaces' }
  try {
    return { ok: true, value: { username, address, worker, script: addressToScript(address, network) } }
  } catch (err) {
    if (!(err instanceof AddressError)) throw err
    return { ok: false, message: `username must be a ${network} Bitcoin address, optionally followed by .worker: ${err.message}` }
  }
}

/** The fixed difficulty a password asks for: null when it asks for none. */
export function parsePasswordDifficulty(password: string): Checked<number | null> {
  let found: number | null = null
  for (const item of password.split(',')) {
    const m = /^\s*d\s*=\s*(.*?)\s*$/i.exec(item)
    if (m === null) continue
    const text = m[1] ?? ''
    const value = /^(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN
    if (!Number.isFinite(value) || value <= 0) return { ok: false, message: `password d= must be a positive number, got ${JSON.stringify(text.slice(0, 32))}` }
    found = value
  }
  return { ok: true, value: found }
}
