import { RpcError, type BlockHeaderInfo, type CallOptions } from './rpc.js'

/**
 * Where a block stands on a node's chain: on the best chain (with its confirmations), known but
 * off it, or unknown. Core reports confirmations -1 off the best chain; other nodes (bcoin) count
 * from the tip whatever the branch, so the best chain's block at that height decides.
 */
export type ChainPlace = { place: 'best-chain'; confirmations: number; height: number } | { place: 'off-best-chain'; height: number } | { place: 'unknown' }

export interface ChainStatusRpc {
  getBlockHeader(hash: string, verbose?: true, options?: CallOptions): Promise<BlockHeaderInfo>
  getBlockHash(height: number, options?: CallOptions): Promise<string>
}

/** Core answers -5 "Block not found"; bcoin -1 with the same words. */
export function isBlockNotFound(err: unknown): boolean {
  return err instanceof RpcError && (err.code === -5 || /block not found/i.test(err.rpcMessage))
}

export async function chainPlace(rpc: ChainStatusRpc, hash: string, options?: CallOptions): Promise<ChainPlace> {
  let header: BlockHeaderInfo
  try {
    header = await rpc.getBlockHeader(hash, true, options)
  } catch (err) {
    if (isBlockNotFound(err)) return { place: 'unknown' }
    throw err
  }
  const confirmations = typeof header.confirmations === 'number' ? header.confirmations : null
  if (confirmations !== null && confirmations < 0) return { place: 'off-best-chain', height: header.height }
  const atHeight = await rpc.getBlockHash(header.height, options)
  if (atHeight !== hash) return { place: 'off-best-chain', height: header.height }
  return { place: 'best-chain', confirmations: confirmations ?? 1, height: header.height }
}
