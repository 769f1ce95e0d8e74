/**
 * Vitest global setup: the two tools the suite takes from Debian rather than npm (headless
 * Chromium for the dashboard's browser test, openssl for the stratum TLS test's certificate).
 * `npm test` must pass on a fresh Debian machine right after `npm ci`, so when either is missing
 * and this runs as root with apt-get, it installs them once, before any test; otherwise it says
 * what is missing, and the tests that need it fail with the same message.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const CHROMIUM = '/usr/bin/chromium'

function hasCommand(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function missingPackages(): string[] {
  const missing: string[] = []
  if (!existsSync(CHROMIUM)) missing.push('chromium')
  if (!hasCommand('openssl', ['version'])) missing.push('openssl')
  return missing
}

export default function setup(): void {
  const missing = missingPackages()
  if (missing.length === 0) return
  const canInstall = process.getuid?.() === 0 && hasCommand('apt-get', ['--version'])
  if (!canInstall) {
    process.stderr.write(`[system-deps] missing Debian packages ${missing.join(', ')}: run apt-get install -y ${missing.join(' ')} as root (the tests that need them will fail)\n`)
    return
  }
  process.stderr.write(`[system-deps] installing Debian packages the tests need: ${missing.join(', ')}\n`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  try {
    execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env })
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env })
  } catch (err) {
    process.stderr.write(`[system-deps] apt-get failed (${(err as Error).message}); the tests that need ${missing.join(', ')} will fail\n`)
  }
}
