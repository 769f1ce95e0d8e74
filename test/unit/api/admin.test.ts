import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { API_FILE, newToken, parseWriterKey, readApiFile, removeApiFile, tokenMatches, writeApiFile } from '../../../src/api/admin.js'
import { HttpError, intParam, onlyParams } from '../../../src/api/http.js'
import { publicJoinInfo } from '../../../src/api/status.js'
import { encodeJoinKey } from '../../../src/coop/join-key.js'

const dir = mkdtempSync(join(tmpdir(), 'hashcoop-api-unit-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('admin helpers', () => {
  it('accepts only the exact bearer token', () => {
    const token = newToken()
    expect(token).toMatch(/^[0-9a-f]{64}$/)
    expect(tokenMatches(token, `Bearer ${token}`)).toBe(true)
    expect(tokenMatches(token, `bearer ${token}`)).toBe(true)
    expect(tokenMatches(token, `Bearer ${token.slice(1)}`)).toBe(false)
    expect(tokenMatches(token, `Bearer ${newToken()}`)).toBe(false)
    expect(tokenMatches(token, token)).toBe(false)
    expect(tokenMatches(token, undefined)).toBe(false)
  })

  it('reads writer keys as 64 hex digits', () => {
    expect(parseWriterKey('ab'.repeat(32))).toEqual(new Uint8Array(32).fill(0xab))
    expect(() => parseWriterKey('ab'.repeat(31))).toThrow(/64 hex digits/)
    expect(() => parseWriterKey('zz'.repeat(32))).toThrow(/64 hex digits/)
    expect(() => parseWriterKey(42)).toThrow(/64 hex digits/)
  })

  it('keeps api.json readable by the owner only, and removes only its own', async () => {
    const token = newToken()
    await writeApiFile(dir, { url: 'http://127.0.0.1:8080', token, pid: 42 })
    expect(statSync(join(dir, API_FILE)).mode & 0o077).toBe(0)
    expect(await readApiFile(dir)).toEqual({ url: 'http://127.0.0.1:8080', token, pid: 42 })
    await removeApiFile(dir, newToken()) // another node's token: left alone
    expect(await readApiFile(dir)).not.toBeNull()
    await removeApiFile(dir, token)
    expect(await readApiFile(dir)).toBeNull()
  })
})

describe('the join key the API shows', () => {
  const bootstrapKey = new Uint8Array(32).fill(1)
  const consensusId = new Uint8Array(32).fill(2)
  it('shows a public cooperative its join key', () => {
    const joinKey = encodeJoinKey({ bootstrapKey, consensusId, encryptionKey: null })
    expect(publicJoinInfo(joinKey)).toEqual({ joinKey, private: false, bootstrapKey: '01'.repeat(32), consensusId: '02'.repeat(32) })
  })

  it("never shows a private cooperative's key, which carries the encryption key", () => {
    const joinKey = encodeJoinKey({ bootstrapKey, consensusId, encryptionKey: new Uint8Array(32).fill(3) })
    const shown = publicJoinInfo(joinKey)
    expect(shown).toEqual({ joinKey: null, private: true, bootstrapKey: '01'.repeat(32), consensusId: '02'.repeat(32) })
    expect(JSON.stringify(shown)).not.toContain('03'.repeat(32))
  })
})

describe('query parameters', () => {
  const q = (s: string): URLSearchParams => new URLSearchParams(s)
  it('reads integers in range, refuses the rest with a 400 naming the parameter', () => {
    expect(intParam(q(''), 'limit', 50, 1, 500)).toBe(50)
    expect(intParam(q('limit=7'), 'limit', 50, 1, 500)).toBe(7)
    for (const bad of ['limit=0', 'limit=501', 'limit=abc', 'limit=-1', 'limit=1.5', 'limit=', 'limit=1&limit=2', 'limit=1e3']) {
      let err: unknown
      try {
        intParam(q(bad), 'limit', 50, 1, 500)
      } catch (e) {
        err = e
      }
      expect(err, bad).toBeInstanceOf(HttpError)
      expect((err as HttpError).status).toBe(400)
      expect((err as HttpError).message).toContain("'limit'")
    }
  })

  it('refuses parameters a route does not know', () => {
    expect(() => onlyParams(q('limit=1'), ['limit'])).not.toThrow()
    expect(() => onlyParams(q('limt=1'), ['limit'])).toThrow(/unknown query parameter 'limt'/)
  })
})
