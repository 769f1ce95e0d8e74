/**
 * `hashcoop init`'s options: the network, private or public, and the cooperative's consensus
 * parameters (protocol/params.ts: defaultParams gives each network's defaults; SPEC.md §9 says why).
 * A parameter the genesis rules refuse is reported under its flag's name.
 */
import { randomBytes } from 'node:crypto'
import { NETWORK_NAMES, type NetworkName } from '../bitcoin/networks.js'
import { bitsToTarget, difficultyToTarget, targetToBits, targetToDifficulty } from '../bitcoin/target.js'
import { defaultParams, ParamsError, type CoopParams, type ParamsOverrides } from '../../protocol/params.js'
import { ConfigError } from './errors.js'
import { CONFIG_OPTION, DATA_OPTION, HELP_OPTION } from './node.js'
import { resolveOptions } from './sources.js'
import { optionsHelp, PRECEDENCE_HELP, type OptionSpec } from './spec.js'
import { parseChoice, parseInteger, parsePositiveNumber } from './values.js'

type IntegerParam = 'shareInterval' | 'halfLife' | 'windowShares' | 'maxUncles' | 'uncleDepth' | 'uncleWeightBps' | 'finderBonusBps' | 'minPayout' | 'maxOutputs'

/** Flag name -> genesis field, for the integer parameters. */
const INTEGER_PARAMS: [flag: string, field: IntegerParam, help: string][] = [
  ['share-interval', 'shareInterval', 'target seconds between shares'],
  ['half-life', 'halfLife', 'retarget (ASERT) half-life, seconds'],
  ['window-shares', 'windowShares', 'PPLNS window, in shares'],
  ['max-uncles', 'maxUncles', 'most uncles one share may credit'],
  ['uncle-depth', 'uncleDepth', 'most share heights an uncle may lag'],
  ['uncle-weight-bps', 'uncleWeightBps', "part of an uncle's work credited to its miner, basis points"],
  ['finder-bonus-bps', 'finderBonusBps', "block finder's bonus, basis points"],
  ['min-payout', 'minPayout', 'smallest output in satoshis (less is paid by the dust lottery)'],
  ['max-outputs', 'maxOutputs', 'most payout outputs in a coinbase']
]

/** Genesis field -> flag, to name the flag in the genesis rules' refusals. */
const FLAG_OF: Record<string, string> = {
  ...Object.fromEntries(INTEGER_PARAMS.map(([flag, field]) => [field, flag])),
  name: 'name',
  maxShareBits: 'max-share-difficulty',
  initialShareBits: 'initial-share-difficulty',
  coinbaseClasses: 'coinbase-classes'
}

function defaultsText(pick: (p: CoopParams) => string): string {
  const salt = new Uint8Array(32)
  const main = pick(defaultParams('mainnet', salt, 0))
  const reg = pick(defaultParams('regtest', salt, 0))
  return main === reg ? main : `${main}; regtest ${reg}`
}

function difficultyText(bits: number): string {
  return String(Number(targetToDifficulty(bitsToTarget(bits)).toPrecision(6)))
}

export const INIT_OPTIONS: OptionSpec[] = [
  DATA_OPTION,
  { name: 'network', kind: 'string', valueName: 'NAME', help: NETWORK_NAMES.join('|'), default: 'mainnet' },
  { name: 'private', kind: 'boolean', help: 'a private cooperative: its log is encrypted and the join key carries the key' },
  { name: 'name', kind: 'string', valueName: 'TEXT', help: 'a label for the cooperative (at most 64 bytes)', default: 'hashcoop' },
  ...INTEGER_PARAMS.map(([flag, field, help]): OptionSpec => ({ name: flag, kind: 'string', valueName: 'N', help, defaultText: defaultsText((p) => String(p[field])) })),
  { name: 'coinbase-classes', kind: 'string', valueName: 'LIST', help: 'coinbase byte budgets for small-coinbase firmware, ascending, comma-separated, or "none" (SPEC.md §7.6)', defaultText: defaultsText((p) => p.coinbaseClasses.join(',')) },
  { name: 'initial-share-difficulty', kind: 'string', valueName: 'D', help: 'share difficulty of the first share', defaultText: defaultsText((p) => difficultyText(p.initialShareBits)) },
  { name: 'max-share-difficulty', kind: 'string', valueName: 'D', help: 'easiest share difficulty ever allowed (anti-spam floor)', defaultText: defaultsText((p) => difficultyText(p.maxShareBits)) },
  CONFIG_OPTION,
  HELP_OPTION
]

export const INIT_HELP = `Usage: hashcoop init [--network NAME] [--private] [parameters]

Creates a new cooperative in the data dir: writes its genesis record (the consensus parameters,
fixed forever; their hash is the consensus id) and prints the join key members pass to
'hashcoop node --join KEY'. The join key alone goes to stdout; everything else to stderr.

Options:
${optionsHelp(INIT_OPTIONS)}

${PRECEDENCE_HELP}`

export interface InitSettings {
  dataDir: string
  network: NetworkName
  private: boolean
  overrides: ParamsOverrides
}

export async function initSettings(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<InitSettings | null> {
  const o = await resolveOptions(INIT_OPTIONS, { argv, env })
  if (o.flag('help')) return null
  const network = o.parse('network', (t) => parseChoice(t, NETWORK_NAMES)) as NetworkName
  const overrides: ParamsOverrides = {}
  const name = o.string('name')
  if (name !== undefined) overrides.name = name
  for (const [flag, field] of INTEGER_PARAMS) {
    const v = o.parse(flag, (t) => parseInteger(t, 0, 2_100_000_000_000_000))
    if (v !== undefined) overrides[field] = v
  }
  const classes = o.parse('coinbase-classes', parseClassList)
  if (classes !== undefined) overrides.coinbaseClasses = classes
  const initial = o.parse('initial-share-difficulty', parsePositiveNumber)
  if (initial !== undefined) overrides.initialShareBits = o.parse('initial-share-difficulty', () => targetToBits(difficultyToTarget(initial)))
  const max = o.parse('max-share-difficulty', parsePositiveNumber)
  if (max !== undefined) overrides.maxShareBits = o.parse('max-share-difficulty', () => targetToBits(difficultyToTarget(max)))
  checkOverrides(network, overrides)
  return { dataDir: o.string('data') as string, network, private: o.flag('private'), overrides }
}

/** "500,750,2250" or "none": byte budgets (the genesis rules check their order and bounds). */
function parseClassList(text: string): number[] {
  if (text.trim().toLowerCase() === 'none') return []
  return text.split(',').map((item) => parseInteger(item.trim(), 1, 1_000_000))
}

/** Runs the genesis rules now, so a bad parameter is refused under its flag's name. */
export function checkOverrides(network: NetworkName, overrides: ParamsOverrides): void {
  try {
    defaultParams(network, new Uint8Array(randomBytes(32)), Math.floor(Date.now() / 1000), overrides)
  } catch (err) {
    if (!(err instanceof ParamsError)) throw err
    const field = /parameter (\w+)/.exec(err.message)?.[1] ?? ''
    const flag = FLAG_OF[field] ?? 'network'
    throw new ConfigError(flag, `--${flag}: ${err.message.replace(/^invalid cooperative parameter \w+: /, '')}`)
  }
}
