import { describe, expect, it, vi } from 'vitest'
import { main } from '../../../src/cli/main.js'
import { parseMineArgs } from '../../../src/cli/mine.js'

const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true))
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true))
  try {
    return { code: await main(argv), out, err }
  } finally {
    o.mockRestore()
    e.mockRestore()
  }
}

describe('hashcoop mine (arguments)', () => {
  it('is listed in hashcoop --help', async () => {
    expect((await run(['--help'])).out).toMatch(/^\s+mine\s+/m)
  })

  it('--help lists every option with its default', async () => {
    const { code, out } = await run(['mine', '--help'])
    expect(code).toBe(0)
    for (const option of ['--stratum', '--address', '--worker', '--password', '--threads', '--stats-interval', '--help']) expect(out).toContain(option)
    expect(out).toMatch(/--password.*\(default: x\)/)
    expect(out).toMatch(/--threads.*\(default: 1\)/)
    expect(out).toMatch(/--stats-interval.*\(default: 10\)/)
    expect(out).toMatch(/--worker.*\(default: none\)/)
  })

  it.each([
    [['--bogus'], /--bogus/],
    [['--address', ADDRESS], /--stratum is required/],
    [['--stratum', 'stratum+tcp://127.0.0.1:3333'], /--address is required/],
    [['--stratum', 'http://127.0.0.1:3333', '--address', ADDRESS], /--stratum: unsupported scheme/],
    [['--stratum', 'stratum+tcp://127.0.0.1:3333', '--address', 'not an address!'], /--address/],
    [['--stratum', 'stratum+tcp://127.0.0.1:3333', '--address', ADDRESS, '--threads', '0'], /--threads must be an integer 1-256/],
    [['--stratum', 'stratum+tcp://127.0.0.1:3333', '--address', ADDRESS, '--threads', '2x'], /--threads/],
    [['--stratum', 'stratum+tcp://127.0.0.1:3333', '--address', ADDRESS, '--threads'], /--threads/],
    [['--stratum', 'stratum+tcp://127.0.0.1:3333', '--address', ADDRESS, '--worker', 'a.b'], /--worker/],
    [['--stratum', 'stratum+tcp://127.0.0.1:3333', '--address', ADDRESS, '--stats-interval', '-1'], /--stats-interval/],
    [['--stratum', 'stratum+tcp://127.0.0.1:3333', '--address', ADDRESS, 'extra'], /extra/]
  ])('refuses %j, naming the option', async (args, message) => {
    const { code, err } = await run(['mine', ...args])
    expect(code).toBe(2)
    expect(err).toMatch(message)
    expect(err).toContain("hashcoop mine --help")
  })

  it('builds ADDRESS.worker and applies the defaults', () => {
    expect(parseMineArgs(['--stratum', 'stratum+tcp://127.0.0.1:3333', '--address', ADDRESS, '--worker', 'rig-1'])).toEqual({
      endpoint: { host: '127.0.0.1', port: 3333 },
      username: `${ADDRESS}.rig-1`,
      password: 'x',
      threads: 1,
      statsIntervalMs: 10_000
    })
    expect(parseMineArgs(['-h'])).toBeNull()
  })
})
