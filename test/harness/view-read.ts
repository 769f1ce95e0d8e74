import type { HashcoopNode } from '../../src/node/node.js'

/** Every value of a node's view under `prefix!` (share, block, miner...), in key order. */
export async function readAll<T>(node: HashcoopNode, prefix: string): Promise<T[]> {
  const out: T[] = []
  for await (const e of node.view.createReadStream({ gt: `${prefix}!`, lt: `${prefix}"` })) out.push(e.value as T)
  return out
}
