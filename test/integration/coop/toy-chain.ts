// A stand-in for the share-chain in coop/ tests: values are gated by a small proof of work,
// admin entries go to applyAdminOp, and the view is a Hyperbee of accepted values.
//
// Entry format: byte 0 = tag.
//   TOY_SHARE: [0x01][nonce u32 BE][utf-8 label]; valid iff sha256(entry) starts with
//              TOY_POW_BITS zero bits. The view stores  label -> { author, optimistic }.
//   TOY_ADMIN: [0x02][admin-op payload] routed to applyAdminOp (the view records nothing).
// Anything else, or a share with too little work, is skipped (never thrown on).

import { createHash } from 'node:crypto'
import Hyperbee from 'hyperbee'
import type Autobase from 'autobase'
import { applyAdminOp, type AdminOpOutcome } from '../../../src/coop/admin-op.js'
import type { CoopBaseOptions } from '../../../src/coop/base.js'

export const TOY_SHARE = 0x01
export const TOY_ADMIN = 0x02
export const TOY_POW_BITS = 10

export interface ToyRecord {
  author: string
  optimistic: boolean
}

export type ToyView = Hyperbee<string, ToyRecord>

function leadingZeroBits(hash: Uint8Array): number {
  let bits = 0
  for (const byte of hash) {
    if (byte === 0) {
      bits += 8
      continue
    }
    return bits + Math.clz32(byte) - 24
  }
  return bits
}

function hasWork(entry: Uint8Array): boolean {
  return leadingZeroBits(createHash('sha256').update(entry).digest()) >= TOY_POW_BITS
}

function shareEntry(label: string, nonce: number): Uint8Array {
  const text = new TextEncoder().encode(label)
  const out = new Uint8Array(5 + text.length)
  out[0] = TOY_SHARE
  new DataView(out.buffer).setUint32(1, nonce)
  out.set(text, 5)
  return out
}

/** A share for `label` with enough work (mines a nonce; ~1000 hashes). */
export function mineToyShare(label: string): Uint8Array {
  for (let nonce = 0; ; nonce++) {
    const entry = shareEntry(label, nonce)
    if (hasWork(entry)) return entry
  }
}

/** A share for `label` that fails the work check: what a cheating peer would send. */
export function invalidToyShare(label: string): Uint8Array {
  for (let nonce = 0; ; nonce++) {
    const entry = shareEntry(label, nonce)
    if (!hasWork(entry)) return entry
  }
}

export function wrapToyAdmin(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + payload.length)
  out[0] = TOY_ADMIN
  out.set(payload, 1)
  return out
}

/** Outcomes of admin ops seen by this process's applies, for assertions (not part of the view). */
export const adminOutcomes: AdminOpOutcome[] = []

export function toyOpen(store: Autobase.AutoStore): ToyView {
  return new Hyperbee<string, ToyRecord>(store.get('toy-view'), {
    keyEncoding: 'utf-8',
    valueEncoding: 'json',
    extension: false
  })
}

export async function toyApply(nodes: Autobase.ApplyNode<Uint8Array>[], view: ToyView, host: Autobase.ApplyHost): Promise<void> {
  const batch = view.batch({ update: false })
  for (const node of nodes) {
    const entry = node.value
    if (!(entry instanceof Uint8Array) || entry.length === 0) continue
    if (entry[0] === TOY_ADMIN) {
      // Never ack an optimistic admin op: only members' ops count (applyAdminOp refuses them anyway).
      adminOutcomes.push(await applyAdminOp(entry.subarray(1), node.from.key, host))
      continue
    }
    if (entry[0] !== TOY_SHARE || entry.length < 5 || !hasWork(entry)) continue
    const label = new TextDecoder().decode(entry.subarray(5))
    if (node.optimistic) await host.ackWriter(node.from.key)
    await batch.put(label, { author: Buffer.from(node.from.key).toString('hex'), optimistic: node.optimistic })
  }
  await batch.flush()
}

export const toyHandlers: Pick<CoopBaseOptions<ToyView>, 'open' | 'apply' | 'wrapAdminOp'> = {
  open: toyOpen,
  apply: toyApply,
  wrapAdminOp: wrapToyAdmin
}

/** All labels currently in a toy view, sorted. */
export async function toyLabels(view: ToyView): Promise<string[]> {
  const out: string[] = []
  for await (const entry of view.createReadStream()) out.push(entry.key)
  return out
}

/** The relay check a writer runs before appending for a peer: the context-free part of apply's check. */
export function checkToyShare(value: Uint8Array): true | string {
  if (value.length < 5 || value[0] !== TOY_SHARE) return 'not a share'
  if (!hasWork(value)) return 'not enough work'
  return true
}
