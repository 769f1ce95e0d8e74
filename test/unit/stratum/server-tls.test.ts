/** Stratum over TLS on its own port (issue 13, item 5), with a certificate made at test time. */
import { describe, expect, it } from 'vitest'
import { hasOpenssl, makeTestCertificate } from '../../harness/test-certificate.js'
import { makeJob } from './support/fixtures.js'
import { ALICE, startServer } from './support/harness.js'
import { findNonce, TestMiner } from './support/test-miner.js'

describe('stratum over TLS', () => {
  it.skipIf(!hasOpenssl())('serves subscribe, authorize, notify and submit over TLS beside the plain port', async () => {
    const { cert, key } = makeTestCertificate()
    const h = await startServer({ tls: { cert, key }, minDifficulty: 1e-12, startDifficulty: 1e-12, vardiff: false })
    const tls = h.server.tlsAddress()
    expect(tls).not.toBeNull()
    expect(tls?.port).not.toBe(h.port)
    h.server.setJob(makeJob())
    const m = await TestMiner.connectTls(tls?.port as number, cert)
    try {
      const { extranonce1 } = await m.handshake(`${ALICE}.tls`)
      const n = await m.notify()
      const en2 = '0000000000000001'
      const { nonce } = findNonce(n, extranonce1, en2, () => true)
      expect(await m.request('mining.submit', [`${ALICE}.tls`, n.jobId, en2, n.time, nonce], 9)).toEqual({ id: 9, result: true, error: null })
      expect(h.solutions).toHaveLength(1)
      expect(h.solutions[0]?.address).toBe(ALICE)
      // The plain port still works alongside.
      const plain = await h.readyMiner(`${ALICE}.plain`)
      expect((await plain.notify()).jobId).toBe(n.jobId)
    } finally {
      m.destroy()
    }
  })

  it.skipIf(!hasOpenssl())('refuses a client that does not trust the certificate, and keeps serving', async () => {
    const { cert, key } = makeTestCertificate()
    const other = makeTestCertificate()
    const h = await startServer({ tls: { cert, key } })
    const port = h.server.tlsAddress()?.port as number
    await expect(TestMiner.connectTls(port, other.cert)).rejects.toThrow()
    const m = await TestMiner.connectTls(port, cert)
    expect((await m.request('mining.subscribe', [])).error).toBeNull()
    m.destroy()
  })

  it('checks the TLS options', async () => {
    await expect(startServer({ tls: { cert: '', key: 'k' } })).rejects.toThrow(/tls.cert must be the PEM text/)
  })
})
