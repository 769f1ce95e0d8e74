// Peers that are not of this cooperative are refused, with a log line saying why.
import Hyperswarm from 'hyperswarm'
import Protomux from 'protomux'
import c from 'compact-encoding'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bech32mDecode, bech32mEncode } from '../../../src/coop/bech32m.js'
import { decodeJoinKey, encodeJoinKey } from '../../../src/coop/join-key.js'
import { shortKey } from '../../../src/coop/log.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { eventually, newConsensusId, removeCreatedDirs, startNode, type TestNode } from './node.js'
import { mineToyShare } from './toy-chain.js'

let dht: LocalDht
let founder: TestNode
let joinKey: string
const others: TestNode[] = []
const rawSwarms: Hyperswarm[] = []

beforeAll(async () => {
  dht = await startLocalDht()
  const consensusId = newConsensusId()
  founder = await startNode({ name: 'founder', bootstrapKey: null, consensusId, dht: dht.choice(), handshakeTimeoutMs: 1500 })
  await founder.base.append(mineToyShare('members-only'))
  joinKey = encodeJoinKey({ bootstrapKey: founder.base.key, consensusId, encryptionKey: null })
})

afterAll(async () => {
  for (const s of rawSwarms) await s.destroy()
  for (const n of others.reverse()) await n.stop()
  await founder?.stop()
  await dht?.stop()
  await removeCreatedDirs()
})

const refusedLine = (n: TestNode, peer: Uint8Array, reason: string): boolean =>
  n.logs.some((l) => l.level === 'warn' && l.msg === `peer ${shortKey(peer)}: ${reason}`)

const MISMATCH = 'different cooperative (consensus id mismatch)'

describe('refusing peers', () => {
  it('rejects a mistyped key before starting anything', () => {
    const i = 30
    const typo = joinKey.slice(0, i) + (joinKey[i] === 'q' ? 'p' : 'q') + joinKey.slice(i + 1)
    expect(() => decodeJoinKey(typo)).toThrow('invalid join key: checksum mismatch: the key was mistyped or truncated')
  })

  it('refuses a tampered key (re-encoded with another consensus id) on both sides, and shares nothing', async () => {
    // Someone edits the key's payload and recomputes the checksum: it decodes fine...
    const payload = bech32mDecode(joinKey, 'hashcoop')
    payload[40] = (payload[40] as number) ^ 0x01
    const tampered = decodeJoinKey(bech32mEncode('hashcoop', payload))
    expect(Buffer.from(tampered.bootstrapKey).equals(founder.base.key)).toBe(true)

    // ...finds the founder on the same topic, and is refused by the handshake.
    const node = await startNode({ name: 'tampered', bootstrapKey: tampered.bootstrapKey, consensusId: tampered.consensusId, dht: dht.choice() })
    others.push(node)
    await eventually('founder refuses the tampered node', () => refusedLine(founder, node.swarm.publicKey, MISMATCH))
    await eventually('tampered node refuses the founder', () => refusedLine(node, founder.swarm.publicKey, MISMATCH))
    expect(founder.swarm.peerCount).toBe(0)
    expect(node.swarm.peerCount).toBe(0)
    // Replication only starts after the handshake: nothing of the founder's log arrived.
    await node.base.update()
    expect(await node.labels()).toEqual([])
    expect(node.base.autobase.length).toBe(0)
  })

  it("refuses a node of another cooperative that dials the founder directly", async () => {
    const stranger = await startNode({ name: 'stranger', bootstrapKey: null, consensusId: newConsensusId(), dht: dht.choice() })
    others.push(stranger)
    stranger.swarm.swarm.joinPeer(founder.swarm.publicKey)
    await eventually('founder refuses the stranger', () => refusedLine(founder, stranger.swarm.publicKey, MISMATCH))
    expect(founder.swarm.peerCount).toBe(0)
  })

  it('drops a peer that sends a garbage handshake, without crashing', async () => {
    const rogue = new Hyperswarm({ dht: dht.dhtNode() })
    rawSwarms.push(rogue)
    rogue.on('connection', (conn: Hyperswarm.NoiseSecretStream) => {
      conn.on('error', () => {})
      const mux = Protomux.from(conn)
      const channel = mux.createChannel({ protocol: 'hashcoop/v1', handshake: c.raw })
      channel?.open(new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]))
    })
    rogue.joinPeer(founder.swarm.publicKey)
    await eventually('founder logs the malformed handshake', () =>
      founder.logs.some(
        (l) => l.level === 'warn' && l.msg.startsWith(`peer ${shortKey(rogue.keyPair.publicKey)}: malformed handshake message (`)
      )
    )
    expect(founder.swarm.peerCount).toBe(0)
    // The founder still works.
    await founder.base.append(mineToyShare('still-alive'))
    expect(await founder.labels()).toContain('still-alive')
  })

  it('drops a peer that never opens the hashcoop channel (handshake timeout)', async () => {
    const mute = new Hyperswarm({ dht: dht.dhtNode() })
    rawSwarms.push(mute)
    mute.on('connection', (conn: Hyperswarm.NoiseSecretStream) => conn.on('error', () => {}))
    mute.joinPeer(founder.swarm.publicKey)
    await eventually('founder gives up on the mute peer', () =>
      refusedLine(founder, mute.keyPair.publicKey, 'no hashcoop handshake (not a hashcoop node, or an incompatible version)')
    )
  })
})
