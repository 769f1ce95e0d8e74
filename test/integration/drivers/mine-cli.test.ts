import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { FakeStratumServer, makeJob } from './fake-stratum-server.js'
import { waitFor } from './helpers.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'

let server: FakeStratumServer | null = null
afterEach(async () => {
  await server?.close()
  server = null
})

describe('hashcoop mine (end to end, a real process)', () => {
  it('mines against a stratum server, prints its progress, and exits 0 on SIGINT', async () => {
    // The job's extranonce size: 4 bytes of extranonce1 + 4 of extranonce2 (the server's defaults).
    server = await FakeStratumServer.start({ firstJob: { difficulty: 2 ** -18, job: makeJob('cli-1', 8) } })
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'mine', '--stratum', server.url, '--address', ADDRESS, '--worker', 'cli', '--stats-interval', '1'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s))
    const exited = once(child, 'exit')
    try {
      await waitFor(() => /accepted [1-9]/.test(out) || child.exitCode !== null, `a status line with an accepted share (stdout: ${out} stderr: ${err})`)
    } finally {
      child.kill('SIGINT')
    }
    const [code] = (await exited) as [number | null]
    expect(err).not.toMatch(/error|rejected|failed|not authorized/i)
    expect(code).toBe(0)
    expect(out).toContain(`authorized as ${ADDRESS}.cli at 127.0.0.1:${server.port}`)
    expect(out).toMatch(/hashrate [\d.]+ [kM]?H\/s/)
    expect(out).toMatch(/stopped: accepted \d+, rejected 0/)
    const submits = server.submits
    expect(submits.length).toBeGreaterThan(0)
    expect(submits.every((s) => s.verdict.ok && s.params[0] === `${ADDRESS}.cli`)).toBe(true)
  })
})
