/** GET /api/miners/:address/chart: a miner's hashrate on this node over up to 24 h, best shares marked. */
import type { ApiContext } from './context.js'
import { HttpError } from './http.js'
import { minerScript } from './miners.js'
import { minerChart, recordsForScript, type MinerChart } from './worker-accounting.js'

export async function minerChartBody(ctx: ApiContext, address: string, hours: number, points: number): Promise<MinerChart & { address: string }> {
  const script = minerScript(ctx, address)
  const records = recordsForScript(ctx.node.workerStats.book, script, ctx.node.params.network)
  if (records.length === 0 && (await ctx.reader.miner(script)) === null) throw new HttpError(404, `no miner ${address} in this cooperative's share-chain or on this node`)
  return { address, ...minerChart(records, ctx.now(), hours, points) }
}
