/**
 * `hashcoop demo` as a newcomer runs it, in a child process: within the bound it shows shares,
 * accepted blocks and a payout split with addresses and BTC; SIGINT stops it with exit status 0,
 * and no process it started is left (every descendant inherits a marker in its environment, and
 * /proc is searched for it after the exit).
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

function processesWithMarker(marker: string): number[] {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) found.push(Number(entry))
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found
}

function commandLine(pid: number): string {
  try {
    return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim()}`
  } catch {
    return `${pid}: (gone)`
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('hashcoop demo (a real process)', () => {
  it('shows shares, accepted blocks and a payout split, and stops cleanly on SIGINT', async () => {
    const marker = `HASHCOOP_DEMO_TEST_MARKER=${randomBytes(8).toString('hex')}`
    const [key, value] = marker.split('=') as [string, string]
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'demo', '--nodes', '2', '--miners', '2', '--http-port', '0', '--refresh', '1000'], {
      cwd: ROOT,
      env: { ...process.env, [key]: value },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const pid = child.pid as number
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s))
    const exited = once(child, 'exit')

    // A summary block with an accepted block and a non-empty payout split.
    const ready = (): boolean => /blocks {5}\d+ found by the share-chain · submitted \d+, accepted [1-9]/.test(out) && /^ {2}\S+ +\d+\.\d{8} BTC +\d+\.\d{2} %/m.test(out)
    const deadline = Date.now() + 50_000
    while (!ready() && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250))
    const sawEverything = ready()
    const started = processesWithMarker(marker) // the demo and any process it started
    child.kill('SIGINT')
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null]

    expect(sawEverything, `stdout:\n${out}\nstderr:\n${err}`).toBe(true)
    expect(code, `stderr:\n${err.slice(-3000)}`).toBe(0)
    expect(signal).toBeNull()
    expect(out).toMatch(/^dashboard: http:\/\/127\.0\.0\.1:\d+\/$/m)
    expect(out).toMatch(/^next payout split at the tip: a block found now \(height \d+\) pays \d+\.\d{8} BTC/m)
    expect(out).toMatch(/^shares {5}[1-9]\d* valid, 0 invalid · tip #\d+/m)
    expect(out).toMatch(/^ {2}#1 founder .* 1 peer /m)
    expect(out).toMatch(/^ {2}#2 writer /m)
    expect(out).toMatch(/segwit active/)
    expect(out).toMatch(/\nstopped\n$/)
    expect(err).toBe('')
    // Nothing left: the demo's own pid at once; anything else carrying the marker (tsx's esbuild
    // service, which exits when its parent's pipe closes) within a few seconds.
    expect(started).toContain(pid)
    expect(alive(pid)).toBe(false)
    const until = Date.now() + 5_000
    let left = processesWithMarker(marker)
    while (left.length > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100))
      left = processesWithMarker(marker)
    }
    expect(left.map(commandLine)).toEqual([])
  }, 90_000)
})
