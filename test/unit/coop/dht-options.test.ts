import { describe, expect, it } from 'vitest'
import { hyperswarmOptions, parseBootstrapAddress, privateDht } from '../../../src/coop/dht-options.js'
import createTestnet from '@hyperswarm/testnet'

describe('DHT options', () => {
  it('parses host:port bootstrap addresses', () => {
    expect(parseBootstrapAddress('10.0.0.5:49737')).toBe('10.0.0.5:49737')
    expect(parseBootstrapAddress(' dht.example.internal:8000 ')).toBe('dht.example.internal:8000')
    expect(parseBootstrapAddress('[::1]:5000')).toBe('[::1]:5000')
  })

  it('rejects malformed addresses with a clear message', () => {
    for (const bad of ['10.0.0.5', '10.0.0.5:', ':80', 'host:0', 'host:70000', 'host:port', 'a b:1', '']) {
      expect(() => parseBootstrapAddress(bad), bad).toThrow(`invalid DHT bootstrap address "${bad}": expected host:port`)
    }
  })

  it('maps each choice to Hyperswarm options, never to a bootstrap of false', async () => {
    expect(hyperswarmOptions({ kind: 'public' })).toEqual({})
    expect(hyperswarmOptions(privateDht(['127.0.0.1:1234']))).toEqual({ bootstrap: ['127.0.0.1:1234'] })
    expect(() => privateDht([])).toThrow('a private DHT needs at least one bootstrap address')
    const testnet = await createTestnet(1)
    try {
      const dht = testnet.createNode()
      expect(hyperswarmOptions({ kind: 'injected', dht })).toEqual({ dht })
    } finally {
      await testnet.destroy()
    }
  })
})
