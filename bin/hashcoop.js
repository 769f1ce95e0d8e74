#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript under dist/.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = fileURLToPath(new URL('../dist/src/cli/bin.js', import.meta.url))
if (!existsSync(entry)) {
  process.stderr.write('hashcoop: not built yet; run `npm run build` in the package directory first\n')
  process.exit(1)
}
await import(entry)
