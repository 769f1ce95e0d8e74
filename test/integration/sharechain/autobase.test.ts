import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { headerHash } from '../../../src/bitcoin/header.js'
import type { Share } from '../../../protocol/share.js'
import { TestChain, minerScript, testParams } from '../../harness/sharechain.js'
import { closeChainNode, shareEntry, waitFor, writerCluster, type ChainNode } from '../../harness/autobase-chain.js'

const params = testParams({ uncleDepth: 3, maxUncles: 2 })
const idOf = (s: Share): string => toHex(headerHash(s.header))

async function mineDag(): Promise<{ shares: Share[]; tip: string }> {
  const c = await TestChain.create(params)
  const shares: Share[] = []
  const add = async (s: Share): Promise<void> => {
    expect((await c.submit(s)).kind).toBe('share')
    shares.push(s)
  }
  for (let i = 0; i < 3; i++) await add(await c.mine(minerScript(i)))
  const side = await c.mine(minerScript(5), { parent: idOf(shares[1] as Share), time: params.createdAt + 31 })
  await add(side)
  for (let i = 0; i < 5; i++) await add(await c.mine(minerScript(i % 4)))
  return { shares, tip: (await c.tip())?.id as string }
}

async function viewDump(n: ChainNode): Promise<string> {
  const lines: string[] = []
  for await (const e of n.view.createReadStream()) lines.push(`${e.key}=${JSON.stringify(e.value)}`)
  return lines.join('\n')
}

const opened: ChainNode[] = []
afterAll(async () => {
  for (const n of opened) await closeChainNode(n).catch(() => {})
})

describe('the share-chain on Autobase', () => {
  it('the same valid shares appended in any causal order by 3 writers converge to one view hash and tip', async () => {
    const { shares, tip } = await mineDag()
    const deps = new Map(shares.map((s) => [idOf(s), [s.height > 0 ? toHex(s.parent) : null, ...s.uncles.map(toHex)].filter((d): d is string => d !== null)]))

    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 })), { minLength: shares.length, maxLength: shares.length }), async (plan) => {
        const { nodes, disconnect } = await writerCluster(params, 3)
        opened.push(...nodes)
        try {
          const pending = [...shares]
          const appended = new Set<string>()
          for (const [choice, writer] of plan) {
            const ready = pending.filter((s) => (deps.get(idOf(s)) ?? []).every((d) => appended.has(d)))
            const share = ready[choice % ready.length] as Share
            const node = nodes[writer] as ChainNode
            // causal: the writer appends only once its own view holds the share's parent and uncles
            await waitFor(async () => {
              await node.base.update()
              for (const d of deps.get(idOf(share)) ?? []) if ((await node.view.get(`share!${d}`)) === null) return false
              return true
            }, 'dependencies to replicate')
            await node.base.append(shareEntry(share))
            appended.add(idOf(share))
            pending.splice(pending.indexOf(share), 1)
          }
          await waitFor(async () => {
            await Promise.all(nodes.map((n) => n.base.update()))
            const hashes = await Promise.all(nodes.map((n) => n.base.hash()))
            const tips = await Promise.all(nodes.map(async (n) => ((await n.view.get('tip'))?.value as { id: string } | undefined)?.id))
            return hashes.every((h) => h === hashes[0]) && tips.every((t) => t === tip)
          }, 'convergence')
          const dumps = await Promise.all(nodes.map(viewDump))
          expect(dumps[1]).toBe(dumps[0])
          expect(dumps[2]).toBe(dumps[0])
          expect((await (nodes[0] as ChainNode).view.get('stats'))?.value).toMatchObject({ shares: shares.length, invalid: 0 })
        } finally {
          disconnect()
          for (const n of nodes) await closeChainNode(n)
          opened.splice(0, opened.length)
        }
      }),
      { seed: 5, numRuns: 4 }
    )
  }, 180_000)
})
