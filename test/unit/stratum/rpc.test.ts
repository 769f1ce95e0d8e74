import { describe, expect, it } from 'vitest'
import { errorLine, notificationLine, parseLine, resultLine, trueLine } from '../../../src/stratum/rpc.js'

describe('stratum JSON-RPC lines', () => {
  it('classifies requests, responses, invalid and malformed lines', () => {
    expect(parseLine('{"id":7,"method":"mining.subscribe","params":["x"]}')).toEqual({ kind: 'request', id: 7, method: 'mining.subscribe', params: ['x'] })
    expect(parseLine('{"id":"a","method":"mining.extranonce.subscribe"}')).toEqual({ kind: 'request', id: 'a', method: 'mining.extranonce.subscribe', params: [] })
    expect(parseLine('{"id":3,"result":"cgminer/4.12","error":null}')).toEqual({ kind: 'response' })
    expect(parseLine('{"id":1,"method":"x","params":{}}')).toEqual({ kind: 'invalid', id: 1, message: 'params must be an array' })
    expect(parseLine('[1,2]')).toMatchObject({ kind: 'invalid', id: null })
    expect(parseLine('{"id":{},"method":"x"}')).toMatchObject({ kind: 'invalid', id: null })
    expect(parseLine('{"id":2}')).toMatchObject({ kind: 'invalid', id: 2 })
    expect(parseLine('{"id":1,"method":')).toEqual({ kind: 'malformed' })
    expect(parseLine('hello')).toEqual({ kind: 'malformed' })
  })

  it('formats replies that echo the id, errors as [code, message, null]', () => {
    expect(JSON.parse(resultLine(5, [1, 'a']))).toEqual({ id: 5, result: [1, 'a'], error: null })
    expect(JSON.parse(trueLine('x'))).toEqual({ id: 'x', result: true, error: null })
    expect(JSON.parse(errorLine(null, { code: 21, message: 'job not found' }))).toEqual({ id: null, result: null, error: [21, 'job not found', null] })
    const n = notificationLine('mining.set_difficulty', [0.5])
    expect(n.endsWith('\n')).toBe(true)
    expect(JSON.parse(n)).toEqual({ id: null, method: 'mining.set_difficulty', params: [0.5] })
  })
})
