import { describe, expect, it } from 'vitest'
import { createLogger } from '../../../src/log/logger.js'

function sink(isTTY = false): { write(s: string): void; isTTY: boolean; text: () => string } {
  let text = ''
  return { write: (s: string) => void (text += s), isTTY, text: () => text }
}

describe('the process logger', () => {
  it('writes one JSON object per line off a terminal, with level and time', () => {
    const out = sink()
    const log = createLogger({ level: 'info', format: 'auto', destination: out })
    log.info({ height: 5 }, 'block 5 found and accepted')
    log.debug({}, 'not at info')
    const lines = out.text().trim().split('\n')
    expect(lines).toHaveLength(1)
    const entry = JSON.parse(lines[0] as string) as Record<string, unknown>
    expect(entry).toMatchObject({ level: 30, msg: 'block 5 found and accepted', height: 5 })
    expect(typeof entry.time).toBe('string')
  })

  it('is human-readable on a terminal (pino-pretty)', () => {
    const out = sink(true)
    const log = createLogger({ level: 'debug', format: 'auto', destination: out })
    log.warn({ peers: 1 }, 'peer left (1 connected)')
    expect(out.text()).toMatch(/WARN.*peer left \(1 connected\)/)
    expect(() => JSON.parse(out.text())).toThrow()
  })

  it('censors secrets wherever a call site puts them', () => {
    const out = sink()
    const log = createLogger({ level: 'info', format: 'json', destination: out })
    log.info({ password: 'hunter2', token: 'tok-123', auth: { user: 'u', password: 'pw-456' }, config: { 'rpc-password': 'pw-789', joinKey: 'hashcoop1secret' }, encryptionKey: 'ek-000' }, 'start')
    const text = out.text()
    for (const secret of ['hunter2', 'tok-123', 'pw-456', 'pw-789', 'hashcoop1secret', 'ek-000']) expect(text).not.toContain(secret)
    expect(text).toContain('[redacted]')
  })
})
