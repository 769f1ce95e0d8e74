/** The alert events a node posts to its --notify webhooks (docs/operator-guide.md lists them). */

export type AlertName =
  | 'block-found'
  | 'block-accepted'
  | 'block-rejected'
  | 'block-orphaned'
  | 'worker-offline'
  | 'worker-back'
  | 'hashrate-drop'
  | 'bitcoind-lost'
  | 'bitcoind-regained'
  | 'peers-zero'
  | 'peers-back'
  | 'disk-low'
  | 'disk-ok'

export interface AlertEvent {
  event: AlertName
  severity: 'info' | 'warning' | 'critical'
  title: string
  message: string
  /** title and message in one line, for chat webhooks that show a "text" field. */
  text: string
  /** ISO 8601. */
  time: string
  /** Which node says it (its stratum endpoint or a name given by the operator). */
  node: string
  data: Record<string, string | number | boolean | null>
}

export function alertEvent(name: AlertName, severity: AlertEvent['severity'], title: string, message: string, at: number, node: string, data: AlertEvent['data']): AlertEvent {
  return { event: name, severity, title, message, text: `${title}: ${message}`, time: new Date(at).toISOString(), node, data }
}
