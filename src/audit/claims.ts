import type { BlockValue, MinerValue, StatsValue, TipValue } from '../sharechain/view.js'

/**
 * Shape checks of the node's derived records (SPEC.md §10) before the auditor computes with them:
 * a damaged or forged record must give a clear refusal, not a TypeError halfway through a report.
 * Each returns null when the value has the shape, else what is wrong with it.
 */
const DECIMAL = /^(0|[1-9][0-9]*)$/
const HEX = /^([0-9a-f]{2})*$/
const ID = /^[0-9a-f]{64}$/

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isDecimal = (v: unknown): boolean => typeof v === 'string' && DECIMAL.test(v)
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function problems(checks: [boolean, string][]): string | null {
  const failed = checks.filter(([ok]) => !ok).map(([, what]) => what)
  return failed.length === 0 ? null : failed.join(', ')
}

export function tipProblem(v: unknown): string | null {
  if (!isObject(v)) return 'not an object'
  return problems([
    [typeof v.id === 'string' && ID.test(v.id), 'id'],
    [isCount(v.height), 'height'],
    [isDecimal(v.cumWork), 'cumWork']
  ])
}

export function statsProblem(v: unknown): string | null {
  if (!isObject(v)) return 'not an object'
  return problems([
    [isCount(v.seq), 'seq'],
    [isCount(v.shares), 'shares'],
    [isCount(v.invalid), 'invalid'],
    [isCount(v.blocks), 'blocks']
  ])
}

export function minerProblem(v: unknown): string | null {
  if (!isObject(v)) return 'not an object'
  return problems([
    [typeof v.script === 'string' && HEX.test(v.script), 'script'],
    [isCount(v.shares), 'shares'],
    [isDecimal(v.work), 'work'],
    [isCount(v.uncles), 'uncles'],
    [isCount(v.lastShareTime), 'lastShareTime']
  ])
}

export function blockProblem(v: unknown): string | null {
  if (!isObject(v)) return 'not an object'
  const outputs = v.outputs
  return problems([
    [typeof v.id === 'string' && ID.test(v.id), 'id'],
    [isCount(v.height), 'height'],
    [isCount(v.blockHeight), 'blockHeight'],
    [isCount(v.time), 'time'],
    [isDecimal(v.coinbaseValue), 'coinbaseValue'],
    [typeof v.finder === 'string' && HEX.test(v.finder), 'finder'],
    [Array.isArray(outputs) && outputs.every((o) => isObject(o) && typeof o.script === 'string' && HEX.test(o.script) && isDecimal(o.value)), 'outputs'],
    [isCount(v.seq), 'seq']
  ])
}

/** Checks a derived record by its key; throws `fail(message)` when it is malformed. */
export function checkClaim(key: string, value: unknown, fail: (message: string) => never): TipValue | StatsValue | MinerValue | BlockValue {
  const check = key === 'tip' ? tipProblem : key === 'stats' ? statsProblem : key.startsWith('miner!') ? minerProblem : key.startsWith('block!') ? blockProblem : null
  if (check === null) return fail(`unexpected record key '${key.slice(0, 80)}'`)
  const problem = check(value)
  if (problem !== null) return fail(`record ${key.slice(0, 90)} is malformed (${problem})`)
  if (key.startsWith('miner!') && (value as MinerValue).script !== key.slice('miner!'.length)) return fail(`record ${key.slice(0, 90)} names another script`)
  if (key.startsWith('block!') && (value as BlockValue).id !== key.slice('block!'.length)) return fail(`record ${key.slice(0, 90)} names another block`)
  return value as TipValue | StatsValue | MinerValue | BlockValue
}
