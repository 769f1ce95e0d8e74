import { readFileSync } from 'node:fs'

/** The package version, read once from package.json (works from src/ under vitest and from dist/). */
function findVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'hashcoop' && typeof pkg.version === 'string') return pkg.version
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0'
}

export const VERSION = findVersion()
