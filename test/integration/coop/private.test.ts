// A private cooperative: without the join key's encryption key a peer replicates only ciphertext.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitForConvergence } from '../../../src/coop/converge.js'
import { decodeJoinKey, encodeJoinKey } from '../../../src/coop/join-key.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { eventually, newConsensusId, removeCreatedDirs, startNode, type TestNode } from './node.js'
import { mineToyShare } from './toy-chain.js'

const SECRET = 'secret-label-7f3a9c'

let dht: LocalDht
let founder: TestNode
let member: TestNode
let outsider: TestNode

beforeAll(async () => {
  dht = await startLocalDht()
  const consensusId = newConsensusId()
  const encryptionKey = randomBytes(32)
  founder = await startNode({ name: 'founder', bootstrapKey: null, consensusId, encryptionKey, dht: dht.choice() })
  await founder.base.append(mineToyShare(SECRET))

  const joinKey = decodeJoinKey(encodeJoinKey({ bootstrapKey: founder.base.key, consensusId, encryptionKey }))
  expect(joinKey.encryptionKey).not.toBeNull()
  member = await startNode({ name: 'member', ...joinKey, dht: dht.choice() })
  // The outsider has everything but the encryption key (a private key with its secret cut off).
  outsider = await startNode({ name: 'outsider', bootstrapKey: joinKey.bootstrapKey, consensusId, encryptionKey: null, dht: dht.choice() })
})

afterAll(async () => {
  for (const n of [outsider, member, founder]) await n?.stop()
  await dht?.stop()
  await removeCreatedDirs()
})

describe('a private cooperative', () => {
  it('is readable by a member with the key', async () => {
    await waitForConvergence([founder.base, member.base], { until: async () => (await member.labels()).includes(SECRET) })
    expect(await member.labels()).toEqual([SECRET])
  })

  it('gives a peer without the key only ciphertext', async () => {
    // The outsider passes the handshake (it knows the consensus id) and replicates...
    await eventually('outsider connected', () => outsider.swarm.peerCount >= 1)
    const secret = Buffer.from(SECRET)
    const founderInput = outsider.store.store.get({ key: founder.base.localKey })
    const viewCore = outsider.store.store.get({ key: founder.base.view.core.key as Uint8Array })
    await founderInput.ready()
    await viewCore.ready()
    await eventually('outsider downloaded the founder input and view', async () => {
      await founderInput.update({ wait: true })
      await viewCore.update({ wait: true })
      return founderInput.length >= 1 && viewCore.length >= 2
    })
    // ...it holds the blocks, yet none of them contains the plaintext.
    const blocks: Uint8Array[] = []
    for (const core of [founderInput, viewCore]) {
      for (let i = 0; i < core.length; i++) {
        const block = await core.get(i, { timeout: 5000 })
        expect(block).not.toBeNull()
        blocks.push(block as Uint8Array)
      }
    }
    expect(blocks.length).toBeGreaterThanOrEqual(3)
    for (const block of blocks) expect(Buffer.from(block).includes(secret)).toBe(false)

    // The member, reading the same view block through its keyed session, sees the plaintext.
    const entry = await member.base.view.get(SECRET)
    expect(entry?.key).toBe(SECRET)

    // And the outsider's own Autobase cannot apply anything.
    await outsider.base.update()
    expect(await outsider.labels()).toEqual([])
  })
})
