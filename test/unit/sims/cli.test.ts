import { describe, expect, it } from 'vitest'
import { parseSimArgs } from '../../../src/cli/sim.js'

describe('hashcoop sim arguments', () => {
  it('takes a scenario, a seed and --quick', () => {
    expect(parseSimArgs(['latency', '--seed', '42', '--quick'])).toMatchObject({ scenario: 'latency', seed: 42, quick: true, json: false, report: false, jobs: 2 })
    expect(parseSimArgs(['all', '--report', '--out', '/tmp/x', '--jobs', '1'])).toMatchObject({ scenario: 'all', report: true, out: '/tmp/x', jobs: 1, seed: undefined })
    expect(parseSimArgs(['--help'])).toBeNull()
  })

  it('refuses what it cannot run, naming the problem', () => {
    expect(() => parseSimArgs(['nope'])).toThrow(/unknown scenario 'nope'/)
    expect(() => parseSimArgs([])).toThrow(/name one scenario/)
    expect(() => parseSimArgs(['fairness', '--report'])).toThrow(/--report needs all/)
    expect(() => parseSimArgs(['fairness', '--seed', '-3'])).toThrow(/--seed/)
    expect(() => parseSimArgs(['fairness', '--bogus'])).toThrow(/bogus/)
  })
})
