import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/config/errors.js'
import { NODE_HELP, NODE_OPTIONS, nodeSettings } from '../../../src/config/node.js'
import { LIMIT_DEFAULTS } from '../../../src/stratum/config.js'

const dir = mkdtempSync(join(tmpdir(), 'hashcoop-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let files = 0
function configFile(content: unknown): string {
  const path = join(dir, `config-${files++}.json`)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

const AUTH = ['--rpc-user', 'u', '--rpc-password', 'p']
const JOIN_KEY = 'hashcoop1qgqgrs2y0lhn6rpqcm9prcexrdw4hjl9m75azh80vx40jt8exgkcgf0u7c42p9j5zqcyqpycnllx9k6cw4jpgwzfrg8dz06mhnu6etw57u938lnp'

async function refusal(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  try {
    await nodeSettings(argv, env)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error(`accepted: ${argv.join(' ')}`)
}

describe('hashcoop node options', () => {
  it('has defaults for real use', async () => {
    const s = await nodeSettings(['--rpc-cookie', '/var/lib/bitcoind/.cookie'], {})
    expect(s).not.toBeNull()
    expect(s?.stratum).toEqual({
      host: '0.0.0.0',
      port: 3333,
      startDifficulty: 1024,
      maxShareRate: 10,
      limits: { ...LIMIT_DEFAULTS },
      tls: null,
      coinbaseLimitRules: []
    })
    expect(s?.http).toEqual({ host: '127.0.0.1', port: 8080 })
    expect(s?.dht).toEqual({ kind: 'public' })
    expect(s?.bitcoind).toEqual({ url: 'http://127.0.0.1:8332', auth: { cookieFile: '/var/lib/bitcoind/.cookie' }, pollIntervalMs: 500 })
    expect(s?.logLevel).toBe('info')
    expect(s?.logFormat).toBe('auto')
    expect(s?.tag).toBe('/hashcoop/')
    expect(s?.genesisTimeoutMs).toBe(60_000)
    expect(s?.joinKey).toBeUndefined()
  })

  it('reads --coinbase-class-rules now, and refuses a bad file naming the option and the entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-rules-opt-'))
    const good = join(dir, 'good.json')
    writeFileSync(good, '[{"userAgent": "^bmminer", "coinbase": 2250}]')
    const s = await nodeSettings(['--rpc-cookie', '/c', '--coinbase-class-rules', good], {})
    expect(s?.stratum.coinbaseLimitRules.map((r) => [r.userAgent.source, r.limit])).toEqual([['^bmminer', 2250]])
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '[{"userAgent": "x", "coinbase": -1}]')
    await expect(nodeSettings(['--rpc-cookie', '/c', '--coinbase-class-rules', bad], {})).rejects.toThrow(/^--coinbase-class-rules: coinbase class rules .*bad\.json: entry 0: "coinbase" must be/)
  })

  it('reads every kind of value', async () => {
    const s = await nodeSettings(
      ['--join', JOIN_KEY, '--bitcoind', 'http://10.0.0.2:18443', ...AUTH, '--zmq', 'tcp://127.0.0.1:28332', '--poll-ms', '250', '--stratum', ':4444', '--http', 'off', '--bootstrap', '10.0.0.5:49737,[::1]:1', '--log-level', 'debug', '--log-format', 'json', '--tag', '/mine/', '--genesis-timeout', '5', '--start-difficulty', '0.5'],
      {}
    )
    expect(s?.joinKey).toBe(JOIN_KEY)
    expect(s?.bitcoind).toEqual({ url: 'http://10.0.0.2:18443', auth: { user: 'u', password: 'p' }, zmqUrl: 'tcp://127.0.0.1:28332', pollIntervalMs: 250 })
    expect(s?.stratum).toMatchObject({ host: '0.0.0.0', port: 4444, startDifficulty: 0.5, maxShareRate: 10, tls: null })
    expect(s?.http).toBeNull()
    expect(s?.dht).toEqual({ kind: 'private', bootstrap: ['10.0.0.5:49737', '[::1]:1'] })
    expect([s?.logLevel, s?.logFormat, s?.tag, s?.genesisTimeoutMs]).toEqual(['debug', 'json', '/mine/', 5000])
  })

  it('takes flags over the environment over the file over the defaults', async () => {
    const file = configFile({ stratum: '10.0.0.1:1001', http: '127.0.0.1:1002', 'poll-ms': 1003, 'log-level': 'warn', 'rpc-user': 'fromfile', 'rpc-password': 'secret' })
    const env = { HASHCOOP_CONFIG: file, HASHCOOP_STRATUM: '10.0.0.2:2001', HASHCOOP_HTTP: '127.0.0.1:2002' }
    const s = await nodeSettings(['--stratum', '10.0.0.3:3001'], env)
    expect(s?.stratum.port).toBe(3001) // flag
    expect(s?.http?.port).toBe(2002) // environment
    expect(s?.bitcoind.pollIntervalMs).toBe(1003) // file (a JSON number)
    expect(s?.logLevel).toBe('warn') // file
    expect(s?.logFormat).toBe('auto') // default
    expect(s?.effective.stratum).toEqual({ value: '10.0.0.3:3001', source: 'flag' })
    expect(s?.effective.http).toEqual({ value: '127.0.0.1:2002', source: 'env' })
    expect(s?.effective['poll-ms']).toEqual({ value: '1003', source: 'file' })
    expect(s?.effective['log-format']).toEqual({ value: 'auto', source: 'default' })
    // --config beats HASHCOOP_CONFIG
    const other = configFile({ 'rpc-cookie': '/c' })
    const t = await nodeSettings(['--config', other], env)
    expect(t?.bitcoind.auth).toEqual({ cookieFile: '/c' })
  })

  it('never shows a secret in the effective configuration', async () => {
    const s = await nodeSettings(['--join', JOIN_KEY, '--bitcoind', 'http://user:pw@127.0.0.1:8332'], { HASHCOOP_RPC_PASSWORD: 'hunter2', HASHCOOP_RPC_USER: 'me' })
    const text = JSON.stringify(s?.effective)
    expect(text).not.toContain('hunter2')
    expect(text).not.toContain(JOIN_KEY)
    expect(text).not.toContain(':pw@')
    expect(s?.effective['rpc-password']).toEqual({ value: '***', source: 'env' })
  })

  it('returns null for --help, and the help lists every option with its default', async () => {
    expect(await nodeSettings(['--help'], {})).toBeNull()
    for (const o of NODE_OPTIONS) {
      expect(NODE_HELP).toContain(`--${o.name}`)
      if (o.default !== undefined) expect(NODE_HELP).toContain(`(default: ${o.defaultText ?? o.default})`)
    }
    expect(NODE_HELP).toContain('HASHCOOP_RPC_PASSWORD')
    expect(NODE_HELP).toContain('flags > environment > file > defaults')
  })

  const invalid: [what: string, argv: string[], option: string][] = [
    ['a stratum address without a port', ['--stratum', 'localhost', ...AUTH], 'stratum'],
    ['a stratum port out of range', ['--stratum', '0.0.0.0:70000', ...AUTH], 'stratum'],
    ['an http address that is not one', ['--http', 'nope', ...AUTH], 'http'],
    ['http on the stratum port', ['--http', '127.0.0.1:3333', ...AUTH], 'http'],
    ['a bitcoind URL that is not http', ['--bitcoind', 'ftp://127.0.0.1:8332', ...AUTH], 'bitcoind'],
    ['a bitcoind URL that is not a URL', ['--bitcoind', '127.0.0.1', ...AUTH], 'bitcoind'],
    ['a poll interval too short', ['--poll-ms', '10', ...AUTH], 'poll-ms'],
    ['a poll interval that is not a number', ['--poll-ms', 'fast', ...AUTH], 'poll-ms'],
    ['a ZMQ URL that is not tcp/ipc', ['--zmq', 'http://127.0.0.1:28332', ...AUTH], 'zmq'],
    ['a join key with a typo', ['--join', JOIN_KEY.slice(0, -1) + 'q', ...AUTH], 'join'],
    ['a bootstrap address without a port', ['--bootstrap', '10.0.0.5', ...AUTH], 'bootstrap'],
    ['an unknown log level', ['--log-level', 'loud', ...AUTH], 'log-level'],
    ['an unknown log format', ['--log-format', 'xml', ...AUTH], 'log-format'],
    ['a coinbase tag over 32 bytes', ['--tag', 'x'.repeat(33), ...AUTH], 'tag'],
    ['a zero genesis timeout', ['--genesis-timeout', '0', ...AUTH], 'genesis-timeout'],
    ['a zero start difficulty', ['--start-difficulty', '0', ...AUTH], 'start-difficulty'],
    ['a user without a password', ['--rpc-user', 'u'], 'rpc-password'],
    ['a password without a user', ['--rpc-password', 'p'], 'rpc-user'],
    ['a cookie and a user/password', ['--rpc-cookie', '/c', ...AUTH], 'rpc-cookie'],
    ['no bitcoind credentials at all', [], 'rpc-cookie'],
    ['an unknown flag', ['--frobnicate', ...AUTH], 'frobnicate'],
    ['a flag without its value', ['--data'], 'data'],
    ['an empty value', ['--stratum', '', ...AUTH], 'stratum'],
    ['a flag given twice', ['--stratum', ':1', '--stratum', ':2', ...AUTH], 'stratum']
  ]
  for (const [what, argv, option] of invalid) {
    it(`refuses ${what}, naming --${option}`, async () => {
      const err = await refusal(argv)
      expect(err.option).toBe(option)
      expect(err.message).toContain(`--${option}`)
      expect(err.message).not.toContain('hunter2')
    })
  }

  it('says which environment variable or file held a bad value', async () => {
    const fromEnv = await refusal(AUTH, { HASHCOOP_STRATUM: 'bad' })
    expect(fromEnv.message).toMatch(/^--stratum: .*\(from HASHCOOP_STRATUM\)$/)
    const file = configFile({ 'poll-ms': 5 })
    const fromFile = await refusal(['--config', file, ...AUTH])
    expect(fromFile.message).toContain('--poll-ms')
    expect(fromFile.message).toContain(`config file ${file}`)
  })

  it('refuses a broken config file, naming the key or --config', async () => {
    expect((await refusal(['--config', configFile({ stratun: ':1' }), ...AUTH])).message).toMatch(/unknown option "stratun"/)
    expect((await refusal(['--config', configFile({ stratum: true }), ...AUTH])).option).toBe('stratum')
    expect((await refusal(['--config', configFile('{ not json'), ...AUTH])).option).toBe('config')
    expect((await refusal(['--config', configFile('[1, 2]'), ...AUTH])).option).toBe('config')
    expect((await refusal(['--config', join(dir, 'missing.json'), ...AUTH])).message).toMatch(/^--config: cannot read .*missing\.json.*ENOENT/)
    expect((await refusal(['--config', configFile({ help: true }), ...AUTH])).message).toMatch(/unknown option "help"/)
  })

  it('takes --notify more than once (and as a list from the environment), with the alert thresholds', async () => {
    const s = await nodeSettings(['--notify', 'http://127.0.0.1:9/a', '--notify', 'ntfy+https://127.0.0.1:9/topic', '--notify-offline-minutes', '3', '--notify-drop-percent', '30', ...AUTH], {})
    expect(s?.notify).toEqual({ targets: ['http://127.0.0.1:9/a', 'ntfy+https://127.0.0.1:9/topic'], offlineAfterMs: 180_000, dropPercent: 30 })
    expect(s?.effective.notify?.value).toBe('***') // webhook URLs carry tokens: never logged
    const env = await nodeSettings(AUTH, { HASHCOOP_NOTIFY: 'http://127.0.0.1:9/a, http://127.0.0.1:9/b' })
    expect(env?.notify?.targets).toEqual(['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b'])
    expect((await nodeSettings(AUTH, {}))?.notify).toBeNull()
  })

  it('refuses a --notify that is not an http(s) webhook and thresholds out of range', async () => {
    expect((await refusal(['--notify', 'ftp://127.0.0.1/x', ...AUTH])).message).toMatch(/^--notify: .*only http\(s\) webhooks/)
    expect((await refusal(['--notify', 'http://127.0.0.1:9/a', '--notify-drop-percent', '0', ...AUTH])).option).toBe('notify-drop-percent')
    expect((await refusal(['--max-share-rate', '-3', ...AUTH])).option).toBe('max-share-rate')
  })
})

describe('hashcoop node stratum limits and TLS (issue 13)', () => {
  it('takes every limit as an option, timeouts in seconds, and lists each in help with its default', async () => {
    const s = await nodeSettings(
      [...AUTH, '--max-connections', '20000', '--max-connections-per-ip', '5000', '--max-connections-per-prefix', '9000', '--max-unproven-sessions', '100', '--max-unproven-addresses', '50', '--max-unproven-per-prefix', '25', '--unproven-timeout', '30', '--handshake-timeout', '10', '--idle-timeout', '900', '--max-line-bytes', '4096'],
      {}
    )
    expect(s?.stratum.limits).toEqual({
      maxConnections: 20000,
      maxConnectionsPerIp: 5000,
      maxConnectionsPerPrefix: 9000,
      maxUnprovenSessions: 100,
      maxUnprovenAddresses: 50,
      maxUnprovenPerPrefix: 25,
      unprovenTimeoutMs: 30_000,
      handshakeTimeoutMs: 10_000,
      idleTimeoutMs: 900_000,
      maxLineBytes: 4096
    })
    for (const flag of ['--max-connections-per-prefix N', '--max-unproven-sessions N', '--unproven-timeout SEC', '--stratum-tls HOST:PORT']) expect(NODE_HELP).toContain(flag)
    expect(NODE_HELP).toMatch(/--max-connections-per-ip N\s+connections from one IP address \(a farm behind NAT is one\) \(default: 4096\)/)
    await expect(nodeSettings([...AUTH, '--max-connections', '0'], {})).rejects.toThrow(/--max-connections.*integer 1-/)
  })

  it('needs --tls-cert and --tls-key with --stratum-tls, on another port than --stratum', async () => {
    const s = await nodeSettings([...AUTH, '--stratum-tls', ':3334', '--tls-cert', '/etc/c.pem', '--tls-key', '/etc/k.pem'], {})
    expect(s?.stratum.tls).toEqual({ host: '0.0.0.0', port: 3334, certFile: '/etc/c.pem', keyFile: '/etc/k.pem' })
    await expect(nodeSettings([...AUTH, '--stratum-tls', ':3334', '--tls-cert', '/etc/c.pem'], {})).rejects.toThrow(/--tls-key.*required with --stratum-tls/)
    await expect(nodeSettings([...AUTH, '--tls-key', '/etc/k.pem'], {})).rejects.toThrow(/--tls-key.*only used with --stratum-tls/)
    await expect(nodeSettings([...AUTH, '--stratum-tls', ':3333', '--tls-cert', 'c', '--tls-key', 'k'], {})).rejects.toThrow(/port 3333 is also --stratum's/)
  })
})
