import { describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { hashFromHex } from '../../../src/bitcoin/hash.js'
import {
  StratumProtocolError,
  describeError,
  parseConfigureResult,
  parseDifficulty,
  parseNotify,
  parseServerLine,
  parseSetExtranonce,
  parseSubscribeResult,
  parseU32Hex,
  submitParams
} from '../../../src/drivers/stratum-messages.js'

// The research note's example: display 000000000000000000030dcf4cafe901...275476ad.
const DISPLAY = '00000000000000000003' + '0dcf4cafe901' + 'ab'.repeat(12) + '275476ad'
const STRATUM_PREVHASH = (() => {
  const words = DISPLAY.match(/.{8}/g) as string[]
  return words.reverse().join('')
})()

function notifyParams(overrides: Record<number, unknown> = {}): unknown[] {
  const params: unknown[] = ['4f', STRATUM_PREVHASH, '01000000', 'ffffffff', ['11'.repeat(32), '22'.repeat(32)], '20000000', '1703a30c', '6553f1', true]
  for (const [i, v] of Object.entries(overrides)) params[Number(i)] = v
  return params
}

describe('Stratum V1 messages (miner side)', () => {
  it('parses mining.notify into internal byte order and numbers', () => {
    const job = parseNotify(notifyParams())
    expect(toHex(job.prevHash)).toBe(toHex(hashFromHex(DISPLAY)))
    expect(job.jobId).toBe('4f')
    expect(toHex(job.coinb1)).toBe('01000000')
    expect(job.merkleBranch.map(toHex)).toEqual(['11'.repeat(32), '22'.repeat(32)])
    expect(job).toMatchObject({ version: 0x20000000, bits: 0x1703a30c, ntime: 0x6553f1, cleanJobs: true })
  })

  it('refuses a malformed notify, naming the field', () => {
    expect(() => parseNotify(notifyParams().slice(0, 8))).toThrow(/needs 9 params/)
    expect(() => parseNotify(notifyParams({ 1: 'ab' }))).toThrow(/prevhash/)
    expect(() => parseNotify(notifyParams({ 2: 'xyz' }))).toThrow(/coinb1/)
    expect(() => parseNotify(notifyParams({ 4: ['11'] }))).toThrow(/merkle branch 0/)
    expect(() => parseNotify(notifyParams({ 4: 'nope' }))).toThrow(/merkle branch/)
    expect(() => parseNotify(notifyParams({ 5: '120000000' }))).toThrow(/version/)
    expect(() => parseNotify(notifyParams({ 6: 7 }))).toThrow(/nbits/)
    expect(() => parseNotify(notifyParams({ 0: '' }))).toThrow(/job id/)
    expect(() => parseNotify(notifyParams({ 7: '-1' }))).toThrow(StratumProtocolError)
  })

  it('reads u32 hex with or without zero padding (public-pool omits it)', () => {
    expect(parseU32Hex('0000000f', 'x')).toBe(15)
    expect(parseU32Hex('f', 'x')).toBe(15)
    expect(parseU32Hex('ffffffff', 'x')).toBe(0xffffffff)
    expect(() => parseU32Hex('', 'x')).toThrow(/x is not a hex u32/)
    expect(() => parseU32Hex(15, 'x')).toThrow(/x/)
  })

  it('reads both subscription shapes and keeps the notify subscription id for resuming', () => {
    expect(parseSubscribeResult([[['mining.set_difficulty', 'a'], ['mining.notify', 'b']], '0a0b0c0d', 8])).toEqual({
      extranonce1: Uint8Array.of(10, 11, 12, 13),
      extranonce2Size: 8,
      sessionId: 'b'
    })
    expect(parseSubscribeResult([['mining.notify', 'ae6812eb4cd7735a302a8a9dd95cf71f'], '08000002', 4]).sessionId).toBe('ae6812eb4cd7735a302a8a9dd95cf71f')
    expect(parseSubscribeResult([null, '', 4]).sessionId).toBeNull()
    expect(() => parseSubscribeResult([[], '0a', 99])).toThrow(/extranonce2 size/)
    expect(() => parseSubscribeResult([[], 'zz', 4])).toThrow(/extranonce1/)
    expect(() => parseSubscribeResult(true)).toThrow(/mining.subscribe/)
  })

  it('reads set_difficulty (fractional too), set_extranonce and the configure answer', () => {
    expect(parseDifficulty([0.0001])).toBe(0.0001)
    expect(parseDifficulty(['512'])).toBe(512)
    expect(() => parseDifficulty([0])).toThrow(/positive difficulty/)
    expect(() => parseDifficulty([])).toThrow(/positive difficulty/)
    expect(parseSetExtranonce(['ff00', 2])).toEqual({ extranonce1: Uint8Array.of(255, 0), extranonce2Size: 2 })
    expect(parseConfigureResult({ 'version-rolling': true, 'version-rolling.mask': '1fffe000' })).toBe(0x1fffe000)
    expect(parseConfigureResult({ 'version-rolling': false })).toBe(0)
    expect(parseConfigureResult(null)).toBe(0)
    expect(() => parseConfigureResult({ 'version-rolling': true })).toThrow(/mask/)
  })

  it('tells calls from responses and refuses anything else', () => {
    expect(parseServerLine('{"id":null,"method":"mining.notify","params":[1]}')).toEqual({ kind: 'call', id: null, method: 'mining.notify', params: [1] })
    expect(parseServerLine('{"id":5,"method":"client.get_version"}')).toEqual({ kind: 'call', id: 5, method: 'client.get_version', params: [] })
    expect(parseServerLine('{"id":3,"result":true,"error":null}')).toEqual({ kind: 'response', id: 3, result: true, error: null })
    expect(() => parseServerLine('{')).toThrow(/not JSON/)
    expect(() => parseServerLine('[1]')).toThrow(/not a JSON object/)
    expect(() => parseServerLine('{"id":1}')).toThrow(/neither/)
    expect(() => parseServerLine('{"method":"x","params":3}')).toThrow(/params is not an array/)
  })

  it('describes server errors in every shape servers use', () => {
    expect(describeError([23, 'Low difficulty share', null])).toBe('Low difficulty share (23)')
    expect(describeError({ code: 21, message: 'Stale' })).toBe('Stale (21)')
    expect(describeError('bad')).toBe('bad')
    expect(describeError(null)).toBe('rejected')
  })

  it('encodes a submit as the checklist says: big-endian hex u32s, full-size extranonce2, version bits', () => {
    const solution = { jobId: 'j', extranonce2: Uint8Array.of(0, 0, 1, 0), ntime: 0x6553f100, nonce: 0x12, versionBits: 0x2000, hash: new Uint8Array(32) }
    expect(submitParams('addr.w', solution, true)).toEqual(['addr.w', 'j', '00000100', '6553f100', '00000012', '00002000'])
    expect(submitParams('addr.w', solution, false)).toEqual(['addr.w', 'j', '00000100', '6553f100', '00000012'])
  })
})
