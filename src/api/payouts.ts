/**
 * GET /api/payouts/next: the coinbase outputs a block found now would carry, exactly as consensus
 * splits it (SPEC.md §7): the PPLNS window at the tip, the current template's coinbase value, and
 * a finder, by default the miner of the tip share (any address may be asked for with ?finder=).
 */
import { fromHex, toHex } from '../bitcoin/bytes.js'
import { addressToScript } from '../bitcoin/address.js'
import type { ApiContext } from './context.js'
import { HttpError } from './http.js'
import { formatBtc, percent } from './units.js'

export interface PayoutOutput {
  address: string
  script: string
  sats: string
  btc: string
  pct: number
}

export interface NextPayoutBody {
  tip: { id: string; height: number } | null
  template: { height: number; coinbaseValue: string; coinbaseValueBtc: string }
  /** Null only before the first share, when no finder was asked for. */
  finder: { address: string; assumed: boolean; bonusBps: number } | null
  outputs: PayoutOutput[]
  lottery: { pot: string; btc: string; members: number; winner: string } | null
}

export async function nextPayoutBody(ctx: ApiContext, finderAddress: string | null): Promise<NextPayoutBody> {
  const { node, reader } = ctx
  let finderScript: Uint8Array | null = null
  if (finderAddress !== null) {
    try {
      finderScript = addressToScript(finderAddress, node.params.network)
    } catch (err) {
      throw new HttpError(400, `query parameter 'finder': not a ${node.params.network} address: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  const t = ctx.template()
  if (t === null) throw new HttpError(503, 'no block template from bitcoind yet: the coinbase value is unknown')
  const base = await node.state.workBase(node.view)
  if (base === null) throw new HttpError(503, "the cooperative's genesis record is not loaded yet")
  const tip = await reader.tip()
  const assumed = finderScript === null
  if (finderScript === null && base.parent !== null) finderScript = fromHex(base.parent.scriptHex)
  const value = t.template.coinbaseValue
  const template = { height: t.template.height, coinbaseValue: String(value), coinbaseValueBtc: formatBtc(value) }
  if (finderScript === null) return { tip: null, template, finder: null, outputs: [], lottery: null }
  const split = base.payouts(finderScript, value)
  const outputs: PayoutOutput[] = split.outputs.map((o) => {
    const script = toHex(o.script)
    return { address: reader.address(script), script, sats: String(o.value), btc: formatBtc(o.value), pct: percent(o.value, value) }
  })
  return {
    tip: tip === null ? null : { id: tip.id, height: tip.height },
    template,
    finder: { address: reader.address(toHex(finderScript)), assumed, bonusBps: node.params.finderBonusBps },
    outputs,
    lottery: split.lottery === null ? null : { pot: String(split.lottery.pot), btc: formatBtc(split.lottery.pot), members: split.lottery.members, winner: reader.address(split.lottery.winner) }
  }
}
