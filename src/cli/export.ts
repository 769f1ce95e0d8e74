import { parseArgs } from 'node:util'
import { writeExport } from '../audit/export-writer.js'
import { openSource, type SourceSpec } from '../audit/open-source.js'
import { ProgressBar } from '../audit/progress.js'
import { asUsageError, EXIT, processIo, SOURCE_OPTIONS, sourceSpec, UsageError, type CommandIo } from './audit.js'
import { registerCommand } from './commands.js'

export const EXPORT_HELP = `Usage: hashcoop export (--join KEY | --data DIR) --out FILE [options]

Writes a cooperative's share-chain to one file (format: protocol/EXPORT.md): the genesis record,
every log entry the node's view keeps in log order, the node's derived records, and checksums
that locate any damaged byte. 'hashcoop audit --file FILE' replays it offline.

Source (exactly one):
  --join KEY             join the cooperative read-only and download its share-chain
  --data DIR             a node's data dir (the node must be stopped)

Options:
  --out FILE             where to write the export (required)
  --force                replace FILE if it exists
  --bootstrap LIST       private DHT bootstrap nodes, host:port[,host:port...] (with --join)
  --timeout SEC          with --join: give up after SEC seconds (default 120)
  -h, --help             show this help

Exit status: 0 written, 2 bad command line, 3 the export could not be made.`

interface ExportArgs {
  source: SourceSpec
  out: string
  force: boolean
}

function parseExportArgs(argv: string[], io: CommandIo): ExportArgs | null {
  let values
  try {
    values = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { ...SOURCE_OPTIONS, out: { type: 'string' }, force: { type: 'boolean' } } }).values
  } catch (err) {
    throw asUsageError(err)
  }
  if (values.help === true) return null
  const source = sourceSpec(values, ['join', 'data'], io)
  if (values.out === undefined || values.out.trim() === '') throw new UsageError('--out FILE is required')
  return { source, out: values.out, force: values.force === true }
}

export async function runExport(argv: string[], io: CommandIo): Promise<number> {
  let args: ExportArgs | null
  try {
    args = parseExportArgs(argv, io)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    io.err.write(`hashcoop export: ${err.message}\nRun 'hashcoop export --help' for the options.\n`)
    return EXIT.usage
  }
  if (args === null) {
    io.out.write(EXPORT_HELP + '\n')
    return EXIT.clean
  }
  try {
    const source = await openSource(args.source, (line) => io.err.write(line + '\n'))
    try {
      const bar = new ProgressBar(io.err, 'exporting', source.itemCount)
      const written = await writeExport(args.out, source, { overwrite: args.force, onProgress: (n) => bar.update(n) })
      bar.finish()
      io.out.write(`wrote ${args.out}: ${written.shares} shares, ${written.rejected} rejected entries, ${written.records} records, ${written.bytes} bytes\n`)
      return EXIT.clean
    } finally {
      await source.close()
    }
  } catch (err) {
    io.err.write(`hashcoop export: ${err instanceof Error ? err.message : String(err)}\n`)
    return EXIT.failed
  }
}

registerCommand({ name: 'export', summary: "write a cooperative's share-chain to a file for offline audits", run: (argv) => runExport(argv, processIo()) })
