import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { u32BigEndianHex } from '../../../src/bitcoin/stratum-encoding.js'
import { difficultyToTarget } from '../../../src/bitcoin/target.js'
import { StratumClient, type StratumClientOptions } from '../../../src/drivers/stratum-client.js'
import { FakeStratumServer, makeJob, type FakeServerOptions } from './fake-stratum-server.js'
import { RecordingDriver, waitFor } from './helpers.js'

const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'
/** ~16k hashes a share: a few shares a second on one thread. */
const EASY = 2 ** -18
/** 16x harder. */
const HARDER = 2 ** -14

let cleanup: (() => Promise<void>)[] = []

afterEach(async () => {
  for (const f of cleanup.reverse()) await f()
  cleanup = []
})

async function setup(serverOptions: FakeServerOptions = {}, clientOptions: Partial<StratumClientOptions> = {}) {
  const server = await FakeStratumServer.start(serverOptions)
  const driver = new RecordingDriver(1)
  await driver.start()
  const client = new StratumClient({ host: '127.0.0.1', port: server.port, username: `${ADDRESS}.w1`, password: 'x', driver, reconnectDelayMs: 20, ...clientOptions })
  cleanup.push(
    () => server.close(),
    () => driver.stop(),
    () => client.stop()
  )
  client.start()
  await waitFor(() => server.connections[0]?.authorized === true && client.stats().authorized, 'the handshake')
  return { server, driver, client, conn: server.connection(0) }
}

describe('Stratum V1 client against a scripted server', () => {
  it('configures, subscribes and authorizes like cgminer/Bitaxe, in that order', async () => {
    const { conn, client } = await setup()
    await waitFor(() => conn.methods().includes('mining.extranonce.subscribe'), 'extranonce.subscribe')
    expect(conn.methods()).toEqual(['mining.configure', 'mining.subscribe', 'mining.authorize', 'mining.extranonce.subscribe'])
    const [configure, subscribe, authorize] = conn.received
    expect(configure?.params[0]).toEqual(['version-rolling'])
    expect(configure?.params[1]).toMatchObject({ 'version-rolling.mask': 'ffffffff' })
    expect(subscribe?.params).toHaveLength(1) // no session to resume yet
    expect(String(subscribe?.params[0])).toMatch(/^hashcoop\//)
    expect(authorize?.params).toEqual([`${ADDRESS}.w1`, 'x'])
    expect(client.stats().versionMask).toBe(0x1fffe000) // server mask AND the requested ffffffff
  })

  it('submits shares whose rebuilt header meets the target, with exact hex encodings and rolled version bits', async () => {
    const { server, conn, client } = await setup()
    const job = makeJob('j1', conn.extranonce1.length + conn.extranonce2Size)
    conn.setDifficulty(EASY)
    conn.notify(job, true)
    // Waits on submits, not acceptances, so that a bad encoding fails on the verdict below.
    await waitFor(() => server.submits.some((s) => s.params[5] !== '00000000') && server.submits.length >= 3, 'shares, one with rolled version bits')
    for (const submit of server.submits) {
      expect(submit.verdict).toMatchObject({ ok: true })
      const [user, jobId, extranonce2, ntime, nonce, versionBits] = submit.params
      expect(user).toBe(`${ADDRESS}.w1`)
      expect(jobId).toBe('j1')
      expect(extranonce2).toMatch(/^[0-9a-f]{8}$/) // 4 bytes, as subscribe said
      expect(ntime).toBe(u32BigEndianHex(job.ntime))
      expect(nonce).toMatch(/^[0-9a-f]{8}$/)
      expect(versionBits).toMatch(/^[0-9a-f]{8}$/)
      expect(Number.parseInt(String(versionBits), 16) & ~0x1fffe000).toBe(0)
      expect(submit.params).toHaveLength(6)
    }
    await waitFor(() => client.stats().accepted === server.accepted().length, 'the answers')
    expect(client.stats()).toMatchObject({ rejected: 0, lostSubmits: 0, malformedLines: 0 })
    expect(client.stats().acceptedDifficulty).toBeCloseTo(EASY * client.stats().accepted)
  })

  it('applies set_difficulty at the next notify, not to the current job (cgminer)', async () => {
    const { server, conn, client, driver } = await setup()
    const size = conn.extranonce1.length + conn.extranonce2Size
    conn.setDifficulty(EASY)
    conn.notify(makeJob('j1', size), true)
    await waitFor(() => server.accepted('j1').length >= 2, 'shares of j1')

    const seen = new Promise<number>((resolve) => client.once('difficulty', resolve))
    conn.setDifficulty(HARDER)
    expect(await seen).toBe(HARDER)
    expect(driver.given).toHaveLength(1) // the current job kept its target
    expect(driver.given[0]?.work.target).toBe(difficultyToTarget(EASY))
    expect(client.stats().difficulty).toBe(EASY)

    conn.notify(makeJob('j2', size), false)
    await waitFor(() => driver.given.length === 2, 'the next job')
    expect(driver.given[1]).toMatchObject({ clean: false, work: { jobId: 'j2', target: difficultyToTarget(HARDER) } })
    await waitFor(() => server.submits.filter((s) => s.jobId === 'j2').length >= 2, 'shares of j2')
    // The server judged j2's shares at the harder difficulty and accepted every one.
    expect(server.submits.filter((s) => s.jobId === 'j2').every((s) => s.verdict.ok)).toBe(true)
    expect(client.stats().difficulty).toBe(HARDER)
  })

  it('counts rejections by reason, and submits without version bits when the server has no version rolling', async () => {
    const rejectSubmit = (n: number): [number, string] | null => (n < 2 ? [21, 'Job not found'] : null)
    const { server, conn, client } = await setup({ versionMask: null, rejectSubmit })
    const job = makeJob('j1', conn.extranonce1.length + conn.extranonce2Size)
    conn.setDifficulty(EASY)
    conn.notify(job, true)
    await waitFor(() => server.accepted('j1').length >= 4 && client.stats().accepted >= 2, 'shares')
    expect(client.stats().versionMask).toBe(0)
    for (const submit of server.submits) {
      expect(submit.params).toHaveLength(5)
      if (submit.verdict.ok) expect(submit.verdict.version).toBe(job.version)
    }
    expect(client.stats().rejected).toBe(2)
    expect(client.stats().rejectReasons).toEqual({ 'Job not found (21)': 2 })
  })

  it('logs and skips malformed lines, and keeps mining on the same connection', async () => {
    const { server, conn, client, driver } = await setup()
    const size = conn.extranonce1.length + conn.extranonce2Size
    conn.setDifficulty(EASY)
    conn.notify(makeJob('j1', size), true)
    await waitFor(() => server.accepted('j1').length >= 1, 'a share of j1')
    const good = makeJob('j2', size)
    const badLines = [
      'garbage',
      '{"id": 1, "result":',
      '[]',
      'null',
      '{"id": 999, "result": true, "error": null}',
      '{"id": null, "method": "mining.notify", "params": {}}',
      '{"id": null, "method": "mining.notify", "params": ["x"]}',
      '{"id": null, "method": "mining.set_difficulty", "params": [-5]}',
      '{"id": null, "method": "mining.set_difficulty", "params": ["abc"]}',
      '{"id": null, "method": "mining.set_extranonce", "params": ["zz", 4]}',
      JSON.stringify({ id: null, method: 'mining.notify', params: ['j3', '00'.repeat(31), '01', '02', [], '20000000', '207fffff', '6553f100', true] }),
      JSON.stringify({ id: null, method: 'mining.notify', params: ['j3', '00'.repeat(32), '01', '02', ['not hex'], '20000000', '207fffff', '6553f100', true] }),
      JSON.stringify({ id: null, method: 'mining.notify', params: ['j3', '00'.repeat(32), '01', '02', [], '120000000', '207fffff', '6553f100', true] }),
      'x'.repeat(300_000)
    ]
    for (const line of badLines) conn.send(line)
    await waitFor(() => client.stats().malformedLines === badLines.length, 'every bad line to be counted')

    conn.notify(good, true)
    await waitFor(() => server.accepted('j2').length >= 1, 'a share of j2')
    expect(server.connections).toHaveLength(1)
    expect(client.stats().connections).toBe(1)
    // The bad difficulty changed nothing; no bad notify reached the driver.
    expect(driver.given.map((g) => g.work.jobId)).toEqual(['j1', 'j2'])
    expect(driver.given[1]?.work.target).toBe(difficultyToTarget(EASY))
  })

  it('answers the server calls a miner must answer', async () => {
    const { conn } = await setup()
    const replies: unknown[] = []
    conn.socket.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.includes('"result"') && /"id":(7|8|9)\b/.test(line)) replies.push(JSON.parse(line))
    })
    conn.send({ id: 7, method: 'client.get_version', params: [] })
    conn.send({ id: 8, method: 'mining.ping', params: [] })
    conn.send({ id: 9, method: 'mining.no_such_thing', params: [] })
    await waitFor(() => replies.length === 3, 'three replies')
    expect(replies).toContainEqual(expect.objectContaining({ id: 7, result: expect.stringMatching(/^hashcoop\//) }))
    expect(replies).toContainEqual(expect.objectContaining({ id: 8, result: 'pong' }))
    expect(replies).toContainEqual(expect.objectContaining({ id: 9, result: null, error: [20, expect.any(String), null] }))
  })

  it('reconnects after the server drops it, resumes the session, and mines on the new connection', async () => {
    const { server, conn, client, driver } = await setup()
    conn.setDifficulty(EASY)
    conn.notify(makeJob('j1', conn.extranonce1.length + conn.extranonce2Size), true)
    await waitFor(() => server.accepted('j1').length >= 1, 'a share on the first connection')
    const disconnected = new Promise<string>((resolve) => client.once('disconnected', resolve))
    conn.drop()
    await disconnected
    expect(driver.clears).toBe(1) // stopped hashing work the server no longer knows

    await waitFor(() => server.connections[1]?.authorized === true && client.stats().authorized, 'the second handshake')
    const second = server.connection(1)
    const subscribe = second.received.find((r) => r.method === 'mining.subscribe')
    expect(subscribe?.params[1]).toBe(conn.sessionId)
    expect(second.resumed).toBe(true)
    second.setDifficulty(EASY)
    second.notify(makeJob('j1', second.extranonce1.length + second.extranonce2Size), false)
    await waitFor(() => server.submits.some((s) => s.connection === second), 'a share on the second connection')
    // The first work of a new connection is always clean, whatever the server said.
    expect(driver.given.at(-1)?.clean).toBe(true)
    expect(client.stats().connections).toBe(2)
    expect(server.submits.filter((s) => s.connection === second).every((s) => s.verdict.ok)).toBe(true)
  })

  it('uses a new extranonce from mining.set_extranonce at the next job', async () => {
    const { server, conn } = await setup()
    conn.setDifficulty(EASY)
    conn.notify(makeJob('j1', conn.extranonce1.length + conn.extranonce2Size), true)
    await waitFor(() => server.accepted('j1').length >= 1, 'a share of j1')
    const extranonce1 = randomBytes(6)
    conn.setExtranonce(extranonce1, 2)
    conn.notify(makeJob('j2', extranonce1.length + 2), true)
    await waitFor(() => server.submits.filter((s) => s.jobId === 'j2').length >= 2, 'shares of j2')
    for (const s of server.submits.filter((x) => x.jobId === 'j2')) {
      expect(s.verdict).toMatchObject({ ok: true })
      expect(s.params[2]).toMatch(/^[0-9a-f]{4}$/)
    }
  })

  it('backs off and retries when authorization is refused, without mining', async () => {
    const server = await FakeStratumServer.start({ authorize: false })
    const driver = new RecordingDriver(1)
    await driver.start()
    const client = new StratumClient({ host: '127.0.0.1', port: server.port, username: ADDRESS, password: 'x', driver, reconnectDelayMs: 10 })
    cleanup.push(
      () => server.close(),
      () => driver.stop(),
      () => client.stop()
    )
    const refusals: string[] = []
    client.on('unauthorized', (reason) => refusals.push(reason))
    client.start()
    await waitFor(() => server.connections.length >= 3, 'two retries')
    expect(refusals.length).toBeGreaterThanOrEqual(2)
    expect(refusals[0]).toBe('unauthorized worker (24)')
    expect(driver.given).toHaveLength(0)
  })
})
