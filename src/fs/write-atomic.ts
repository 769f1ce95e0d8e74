import { rename, writeFile } from 'node:fs/promises'

/**
 * Writes `text` to `path` so that a crash or a full disk leaves the old file or the new one,
 * never half of one: a temporary file beside it (named by pid, so two processes never share
 * one), then a rename over the old. `mode` applies to a file that is created (0600 for secrets).
 */
export async function writeFileAtomic(path: string, text: string, mode?: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, text, mode === undefined ? {} : { mode })
  await rename(tmp, path)
}
