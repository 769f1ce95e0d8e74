import type { DhtChoice } from '../coop/dht-options.js'
import { openDataDir } from './data-dir.js'
import { openExport } from './export-reader.js'
import { joinCooperative } from './join.js'
import type { AuditSource } from './log.js'

/** Where the share-chain comes from: exactly one of these. */
export type SourceSpec = { kind: 'join'; joinKey: string; dht: DhtChoice; timeoutMs: number } | { kind: 'data'; dir: string } | { kind: 'file'; path: string }

export function openSource(spec: SourceSpec, onStatus?: (line: string) => void): Promise<AuditSource> {
  switch (spec.kind) {
    case 'join':
      return joinCooperative({ joinKey: spec.joinKey, dht: spec.dht, timeoutMs: spec.timeoutMs, ...(onStatus === undefined ? {} : { onStatus }) })
    case 'data':
      return openDataDir(spec.dir)
    case 'file':
      return openExport(spec.path)
  }
}
