import { describe, expect, it, vi } from 'vitest'
import { main } from '../../../src/cli/main.js'
import { VERSION } from '../../../src/version.js'

describe('hashcoop CLI', () => {
  it('prints the version from package.json', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      expect(await main(['--version'])).toBe(0)
      expect(out).toHaveBeenCalledWith(`${VERSION}\n`)
      expect(VERSION).toMatch(/^\d+\.\d+\.\d+/)
    } finally {
      out.mockRestore()
    }
  })

  it('prints usage for --help and exits 0', async () => {
    let text = ''
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((text += String(s)), true))
    try {
      expect(await main(['--help'])).toBe(0)
    } finally {
      out.mockRestore()
    }
    expect(text).toContain('Usage: hashcoop <command>')
  })

  it('refuses an unknown command with exit code 2', async () => {
    let text = ''
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((text += String(s)), true))
    try {
      expect(await main(['frobnicate'])).toBe(2)
    } finally {
      err.mockRestore()
    }
    expect(text).toContain("unknown command 'frobnicate'")
  })
})
