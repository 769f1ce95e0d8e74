// Three nodes on a loopback DHT testnet: a founder, a writer it adds, and a non-writer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitForConvergence } from '../../../src/coop/converge.js'
import { decodeJoinKey, encodeJoinKey } from '../../../src/coop/join-key.js'
import { RelayError } from '../../../src/coop/swarm.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { eventually, newConsensusId, removeCreatedDirs, startNode, type TestNode } from './node.js'
import { invalidToyShare, mineToyShare } from './toy-chain.js'

let dht: LocalDht
let founder: TestNode
let writer: TestNode
let reader: TestNode
const nodes = (): TestNode[] => [founder, writer, reader]
const bases = () => nodes().map((n) => n.base)

beforeAll(async () => {
  dht = await startLocalDht()
  const consensusId = newConsensusId()
  founder = await startNode({ name: 'founder', bootstrapKey: null, consensusId, dht: dht.choice() })
  const joinKey = encodeJoinKey({ bootstrapKey: founder.base.key, consensusId, encryptionKey: null })
  const parsed = decodeJoinKey(joinKey)

  const t0 = performance.now()
  writer = await startNode({ name: 'writer', bootstrapKey: parsed.bootstrapKey, consensusId: parsed.consensusId, dht: dht.choice() })
  reader = await startNode({ name: 'reader', bootstrapKey: parsed.bootstrapKey, consensusId: parsed.consensusId, dht: dht.choice() })
  await eventually('full mesh', () => nodes().every((n) => n.swarm.peerCount === 2))
  console.info(`[measure] 3-node full mesh on the local testnet: ${(performance.now() - t0).toFixed(0)} ms after the joiners started`)
})

afterAll(async () => {
  for (const n of [reader, writer, founder]) await n?.stop()
  await dht?.stop()
  await removeCreatedDirs()
})

describe('a three-node cooperative', () => {
  it('reports peers joining with counts', () => {
    const joined = founder.logs.filter((l) => / joined \(\d+ peers\)$/.test(l.msg)).map((l) => l.msg)
    expect(joined).toHaveLength(2)
    expect(joined.at(-1)).toMatch(/joined \(2 peers\)$/)
  })

  it('lets the founder add a writer', async () => {
    expect(founder.base.isIndexer).toBe(true)
    expect(writer.base.writable).toBe(false)
    const t0 = performance.now()
    await founder.base.addWriter(writer.base.localKey)
    await writer.base.waitForWritable()
    console.info(`[measure] add-writer to writable on the joiner: ${(performance.now() - t0).toFixed(0)} ms`)
    expect(writer.base.isIndexer).toBe(false)
    expect(reader.base.writable).toBe(false)
    // The writer tells its peers, so they know whom to relay through.
    await eventually('writer status reached the reader', () => reader.swarm.peers.get(Buffer.from(writer.swarm.publicKey).toString('hex'))?.writer === true)
  })

  it('converges on values from the founder, the writer and (optimistically) the non-writer', async () => {
    const t0 = performance.now()
    await founder.base.append(mineToyShare('from-founder'))
    await writer.base.append(mineToyShare('from-writer'))
    await reader.base.appendOptimistic(mineToyShare('from-reader'))
    const expected = ['from-founder', 'from-reader', 'from-writer']
    const hash = await waitForConvergence(bases(), {
      until: async () => {
        for (const n of nodes()) {
          const labels = await n.labels()
          if (!expected.every((l) => labels.includes(l))) return false
        }
        return true
      }
    })
    console.info(`[measure] 3 appends to convergence of 3 nodes: ${(performance.now() - t0).toFixed(0)} ms`)
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    for (const n of nodes()) {
      expect(await n.labels()).toEqual(expected)
      const entry = await n.base.view.get('from-reader')
      expect(entry?.value).toEqual({ author: Buffer.from(reader.base.localKey).toString('hex'), optimistic: true })
    }
    // An optimistic append does not make the reader a writer.
    expect(reader.base.writable).toBe(false)
  })

  it('skips invalid values from any peer and stays equal', async () => {
    await reader.base.appendOptimistic(invalidToyShare('bad-from-reader'))
    await writer.base.append(invalidToyShare('bad-from-writer'))
    await writer.base.append(new Uint8Array([0xee, 1, 2, 3])) // not even a known entry type
    await reader.base.appendOptimistic(mineToyShare('after-bad'))
    await waitForConvergence(bases(), {
      until: async () => {
        for (const n of nodes()) if (!(await n.labels()).includes('after-bad')) return false
        return true
      }
    })
    const views = await Promise.all(nodes().map((n) => n.labels()))
    for (const labels of views) {
      expect(labels).toEqual(['after-bad', 'from-founder', 'from-reader', 'from-writer'])
    }
    const hashes = await Promise.all(bases().map((b) => b.hash()))
    expect(new Set(hashes).size).toBe(1)
    for (const n of nodes()) expect(n.logs.filter((l) => l.level === 'error')).toEqual([])
  })

  it('relays a share from the non-writer through a writer', async () => {
    const t0 = performance.now()
    await reader.swarm.relay(mineToyShare('relayed'))
    await waitForConvergence(bases(), {
      until: async () => {
        for (const n of nodes()) if (!(await n.labels()).includes('relayed')) return false
        return true
      }
    })
    console.info(`[measure] relay to convergence: ${(performance.now() - t0).toFixed(0)} ms`)
    const entry = await reader.base.view.get('relayed')
    const writers = [founder, writer].map((n) => Buffer.from(n.base.localKey).toString('hex'))
    expect(writers).toContain(entry?.value.author)
    expect(entry?.value.optimistic).toBe(false)
  })

  it('refuses to relay an invalid share, with the reason', async () => {
    await expect(reader.swarm.relay(invalidToyShare('bad-relay'))).rejects.toThrow(RelayError)
    await expect(reader.swarm.relay(invalidToyShare('bad-relay'))).rejects.toThrow(/refused the relay: not enough work/)
    await expect(reader.swarm.relay(new Uint8Array([9, 9]))).rejects.toThrow(/refused the relay: not a share/)
  })

  it('reports a peer leaving with the new count', async () => {
    await reader.stop()
    await eventually('founder sees the reader leave', () => founder.swarm.peerCount === 1)
    expect(founder.logs.some((l) => /left \(1 peers\)$/.test(l.msg))).toBe(true)
  })
})
