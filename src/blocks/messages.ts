import type { BlockChange } from './found-blocks.js'

/**
 * The log line for a found block's change. The operator guide's alert advice quotes these: an
 * `error` line is a block bitcoind found invalid (a bug or a bad template: alert), a `warn` one a
 * block that may be lost (unreachable bitcoind, abandoned, orphaned), an `info` one the ordinary
 * life of a block, race losses included (they happen to every miner).
 */
export interface BlockLogLine {
  level: 'info' | 'warn' | 'error'
  message: string
}

export function blockLogLine({ record: r, previous, cause }: BlockChange): BlockLogLine | null {
  const block = `block ${r.height} ${r.hash}`
  const again = cause === 'resubmit' ? 'resubmitted' : 'submitted'
  switch (r.status) {
    case 'accepted':
      return { level: 'info', message: `${block} ${again} and accepted by bitcoind${r.reason === 'duplicate' ? ' (it had it already)' : ''}` }
    case 'race-lost':
      if (cause === 'check') return null
      return { level: 'info', message: `${block} ${again}, lost a race: bitcoind answered '${r.reason ?? ''}' (valid, but a competing block at this height is on the best chain)` }
    case 'rejected':
      return { level: 'error', message: `${block} rejected by bitcoind as invalid: ${r.reason ?? 'no reason'}` }
    case 'unsubmitted':
      if (cause === 'check') return { level: 'warn', message: `${block}: bitcoind no longer has it; kept, will resubmit` }
      if (previous === 'unsubmitted') return null // still unreachable: said once per outage
      return { level: 'warn', message: `${block} could not be submitted, bitcoind unreachable (${r.reason ?? ''}); kept, will resubmit while it can still win` }
    case 'abandoned':
      return { level: 'warn', message: `${block} abandoned: ${r.reason ?? ''}` }
    case 'orphaned':
      return { level: 'warn', message: `${block} orphaned: ${r.reason ?? 'no longer on the best chain'}` }
    case 'in-best-chain':
      return previous === 'in-best-chain' ? null : { level: 'info', message: `${block} is in bitcoind's best chain (${r.confirmations ?? 1} confirmation${r.confirmations === 1 ? '' : 's'})` }
    default:
      return null
  }
}
