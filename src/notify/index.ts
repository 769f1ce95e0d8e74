/**
 * Alerts for a running node: an AlertMonitor watching it, a Notifier posting to the --notify
 * webhooks. Everything here is a bystander: it reads events and posts in the background.
 */
import { hostname } from 'node:os'
import type { HashcoopNode } from '../node/node.js'
import type { StorageStatus } from '../node/storage-watch.js'
import { AlertMonitor } from './alerts.js'
import { Notifier } from './notifier.js'
import type { BlockChange } from '../blocks/found-blocks.js'

export { AlertMonitor, DEFAULT_THRESHOLDS, type AlertThresholds } from './alerts.js'
export { Notifier, parseTarget, NotifyTargetError } from './notifier.js'
export type { AlertEvent, AlertName } from './events.js'

export interface AlertSettings {
  targets: readonly string[]
  offlineAfterMs: number
  dropPercent: number
}

export function startAlerts(node: HashcoopNode, settings: AlertSettings, logger: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void }): { monitor: AlertMonitor; notifier: Notifier; close(): void } {
  const notifier = new Notifier({ targets: settings.targets, logger })
  const monitor = new AlertMonitor({
    sources: { node, templates: node.templates, swarm: node.swarm, workerStats: node.workerStats },
    emit: (e) => notifier.notify(e),
    nodeName: `${hostname()} (stratum ${node.config.stratum.host}:${node.config.stratum.port})`,
    thresholds: { offlineAfterMs: settings.offlineAfterMs, dropPercent: settings.dropPercent }
  })
  // The found-blocks tracker follows each block this node submitted until it is buried.
  const onBlockChange = ({ record }: BlockChange): void => {
    if (record.status === 'orphaned') monitor.blockOrphaned(record.hash, record.height)
  }
  node.foundBlocks.on('change', onBlockChange)
  const onDisk = (d: StorageStatus): void => monitor.diskChanged(d)
  node.on('disk', onDisk)
  logger.info({ targets: notifier.stats().map((s) => s.target) }, `alerts go to ${settings.targets.length} webhook${settings.targets.length === 1 ? '' : 's'}`)
  return {
    monitor,
    notifier,
    close: () => {
      node.foundBlocks.off('change', onBlockChange)
      node.off('disk', onDisk)
      monitor.close()
      notifier.close()
    }
  }
}
