import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**', 'dist/**'],
    // Debian's chromium and openssl, installed on a fresh machine before any test (test/harness/system-deps.ts).
    globalSetup: ['test/harness/system-deps.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
