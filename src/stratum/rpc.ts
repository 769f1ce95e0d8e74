/**
 * Stratum's JSON-RPC 1.0 dialect: classifying one incoming line and formatting outgoing ones.
 * Every request gets exactly one reply carrying its id; notifications from the server have id null.
 */
import type { StratumError } from './errors.js'

export type RpcId = number | string | null

export type Incoming =
  | { kind: 'request'; id: RpcId; method: string; params: unknown[] }
  /** A miner's answer to something (we send no requests, so it is ignored). */
  | { kind: 'response' }
  /** Valid JSON that is not a usable request; answered with an error, counts as a bad line. */
  | { kind: 'invalid'; id: RpcId; message: string }
  /** Not JSON at all; answered with an error (id null), counts as a bad line. */
  | { kind: 'malformed' }

export function parseLine(line: string): Incoming {
  let msg: unknown
  try {
    msg = JSON.parse(line)
  } catch {
    return { kind: 'malformed' }
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return { kind: 'invalid', id: null, message: 'a request must be a JSON object' }
  const obj = msg as Record<string, unknown>
  const id = readId(obj['id'])
  if (id === undefined) return { kind: 'invalid', id: null, message: 'id must be a number, a string or null' }
  const method = obj['method']
  if (method === undefined && ('result' in obj || 'error' in obj)) return { kind: 'response' }
  if (typeof method !== 'string' || method.length === 0) return { kind: 'invalid', id, message: 'method must be a non-empty string' }
  const params = obj['params'] ?? []
  if (!Array.isArray(params)) return { kind: 'invalid', id, message: 'params must be an array' }
  return { kind: 'request', id, method, params }
}

function readId(id: unknown): RpcId | undefined {
  if (id === undefined || id === null) return null
  if (typeof id === 'number' && Number.isFinite(id)) return id
  if (typeof id === 'string' && id.length <= 64) return id
  return undefined
}

export function resultLine(id: RpcId, result: unknown): string {
  return `{"id":${JSON.stringify(id)},"result":${JSON.stringify(result)},"error":null}\n`
}

export function errorLine(id: RpcId, error: StratumError): string {
  return `{"id":${JSON.stringify(id)},"result":null,"error":${JSON.stringify([error.code, error.message, null])}}\n`
}

export function notificationLine(method: string, params: readonly unknown[]): string {
  return `{"id":null,"method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}\n`
}

/** True/false replies are the hot path (every submit); spare them JSON.stringify of the result. */
export function trueLine(id: RpcId): string {
  return `{"id":${JSON.stringify(id)},"result":true,"error":null}\n`
}
