import { describe, expect, it } from 'vitest'
import { parsePasswordDifficulty, parseUsername } from '../../../src/stratum/credentials.js'
import { addressFor, p2wpkhScript } from './support/fixtures.js'

const MAIN = addressFor(0x11, 'mainnet')
const TEST = addressFor(0x11, 'testnet')

describe('mining.authorize username', () => {
  it('takes ADDRESS, ADDRESS.worker and ADDRESS_worker; the first separator ends the address', () => {
    expect(parseUsername(MAIN, 'mainnet')).toEqual({ ok: true, value: { username: MAIN, address: MAIN, worker: '', script: p2wpkhScript(0x11) } })
    expect(parseUsername(`${MAIN}.rig1`, 'mainnet')).toMatchObject({ ok: true, value: { address: MAIN, worker: 'rig1' } })
    expect(parseUsername(`${MAIN}_rig_2.a`, 'mainnet')).toMatchObject({ ok: true, value: { address: MAIN, worker: 'rig_2.a' } })
    expect(parseUsername('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa.bitaxe', 'mainnet')).toMatchObject({ ok: true, value: { worker: 'bitaxe' } })
  })

  it('says why an address is refused: wrong network vs malformed', () => {
    const wrong = parseUsername(`${TEST}.w`, 'mainnet')
    expect(wrong.ok).toBe(false)
    if (!wrong.ok) expect(wrong.message).toMatch(/is for testnet.*not mainnet/)
    const bad = parseUsername('bc1qnotanaddress.w', 'mainnet')
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.message).toMatch(/invalid address/)
    const junk = parseUsername('hello world', 'mainnet')
    expect(junk.ok).toBe(false)
    if (!junk.ok) expect(junk.message).toMatch(/mainnet Bitcoin address/)
  })

  it('refuses unprintable or overlong worker names', () => {
    expect(parseUsername(`${MAIN}.a b`, 'mainnet').ok).toBe(false)
    expect(parseUsername(`${MAIN}.${'w'.repeat(65)}`, 'mainnet').ok).toBe(false)
    expect(parseUsername(`${MAIN}.${'w'.repeat(64)}`, 'mainnet').ok).toBe(true)
  })
})

describe('mining.authorize password', () => {
  it('finds d=N alone or in a comma list; fractional values allowed', () => {
    expect(parsePasswordDifficulty('x')).toEqual({ ok: true, value: null })
    expect(parsePasswordDifficulty('')).toEqual({ ok: true, value: null })
    expect(parsePasswordDifficulty('d=1024')).toEqual({ ok: true, value: 1024 })
    expect(parsePasswordDifficulty('x,d=1024')).toEqual({ ok: true, value: 1024 })
    expect(parsePasswordDifficulty('x, D = 0.001 ,y')).toEqual({ ok: true, value: 0.001 })
    expect(parsePasswordDifficulty('d=1e6')).toEqual({ ok: true, value: 1e6 })
  })

  it('refuses a d= that is not a positive number', () => {
    for (const bad of ['d=', 'd=abc', 'd=0', 'd=-5', 'x,d=1k']) expect(parsePasswordDifficulty(bad).ok).toBe(false)
  })
})
