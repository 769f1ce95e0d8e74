import { ByteWriter, fromHex, toHex } from '../bitcoin/bytes.js'
import { outputSize, type CoinbaseParts, type TxOutput } from '../bitcoin/coinbase.js'
import { jobClassLimit, makeShareJob, type BlockFields, type ShareJob } from './build.js'
import { FULL_CLASS } from './classes.js'
import { shareCommitmentHexFor } from './commitment.js'
import type { OutsiderSplit } from './payouts.js'
import type { WorkBase } from './state.js'

/**
 * Per-finder coinbases for one job, made cheaply. Every miner mines for its own address and the
 * coinbase commits to the finder (its payout and the share commitment), so a job has one coinbase
 * per address. Most finders have no work in the window; for them the outputs are fixed but for one
 * (payouts.ts, outsiderSplit), so coinb2 is a shared layout with that output and the commitment
 * patched in, kept as hex (what mining.notify sends); its bytes are decoded only when asked for:
 *
 *   coinb2 = before[i] | variable output | after[i] | commitment(finder) | lock time
 *
 * Finders in the window, or every finder when outsiderSplit says the split depends on the script,
 * get makeShareJob, the builder validation uses. Both give byte-identical coinbases (a property test
 * checks it over random windows, finders, address types and values).
 */
export class ShareJobFactory {
  private readonly layout: OutsiderLayout | null
  /**
   * Layouts of the byte classes, made on first use, by class and finder script length: in a byte
   * class the finder always has its own output, whose size decides how many others fit (SPEC.md §7.6).
   */
  private readonly classLayouts = new Map<string, OutsiderLayout | null>()

  constructor(
    private readonly base: WorkBase,
    private readonly block: BlockFields,
    private readonly extranonceSize: number
  ) {
    const outsider = base.outsiderPayouts?.(block.coinbaseValue) ?? null
    this.layout = outsider === null ? null : new OutsiderLayout(base, block, extranonceSize, outsider)
  }

  /** False when every finder is built by makeShareJob (the split depends on the finder's script). */
  get patchesOutsiders(): boolean {
    return this.layout !== null
  }

  /** The job for one payout script and class: deterministic, so it may be made again instead of kept. */
  jobFor(payoutScript: Uint8Array, coinbaseClass = FULL_CLASS): ShareJob {
    const layout = coinbaseClass === FULL_CLASS ? this.layout : this.classLayout(coinbaseClass, payoutScript.length)
    const parts = layout?.partsFor(payoutScript) ?? makeShareJob(this.base, this.block, payoutScript, this.extranonceSize, coinbaseClass).parts
    return { base: this.base, block: this.block, payoutScript, coinbaseClass, parts }
  }

  private classLayout(coinbaseClass: number, scriptLength: number): OutsiderLayout | null {
    const key = `${coinbaseClass}:${scriptLength}`
    let layout = this.classLayouts.get(key)
    if (layout === undefined) {
      const limit = jobClassLimit(this.base, this.block, this.extranonceSize, coinbaseClass)
      const outsider = scriptLength >= 0xfd ? null : (this.base.outsiderPayouts?.(this.block.coinbaseValue, limit, scriptLength) ?? null)
      layout = outsider === null ? null : new OutsiderLayout(this.base, this.block, this.extranonceSize, outsider)
      this.classLayouts.set(key, layout)
    }
    return layout
  }
}

/** Coinbase parts whose coinb2 is held as hex (as mining.notify sends it) and decoded on first use. */
export class PatchedParts implements CoinbaseParts {
  private bytes: Uint8Array | null = null

  constructor(
    readonly coinb1: Uint8Array,
    readonly coinb1Hex: string,
    readonly coinb2Hex: string,
    readonly extranonceSize: number
  ) {}

  get coinb2(): Uint8Array {
    this.bytes ??= fromHex(this.coinb2Hex)
    return this.bytes
  }
}

/** An output as the builder serializes it: value u64 | script with its length. */
const outputHex = (o: TxOutput): string => toHex(new ByteWriter(9 + o.script.length).u64(o.value).varbytes(o.script).finish())

/** Bytes of the commitment output before its 32-byte hash: value 0 | length 34 | OP_RETURN PUSH32. */
const COMMITMENT_OUTPUT_HEAD = 8 + 1 + 2
const LOCK_TIME = 4

class OutsiderLayout {
  private readonly coinb1: Uint8Array
  private readonly coinb1Hex: string
  /** Hex of coinb2 up to the variable output when it sits at index i (ropes until first used). */
  private readonly before: string[] = []
  /** Hex from after the variable output at index i up to the commitment's 32 bytes. */
  private readonly after: string[] = []
  /** Indexes whose before/after were flattened: a finder's coinb2 is then a handful of flat pieces. */
  private readonly flat = new Set<number>()
  private readonly lockTimeHex: string
  private readonly commitmentHex: (payoutScript: Uint8Array, scriptHex: string) => string
  /** Hex of the variable output's value, by value (one or a few per job). */
  private readonly valueHex = new Map<bigint, string>()

  constructor(
    base: WorkBase,
    block: BlockFields,
    private readonly extranonceSize: number,
    private readonly split: OutsiderSplit
  ) {
    // The one builder makes the coinbase with an empty stand-in first among the payouts (so the
    // output count is right); the layout is cut from its bytes around the stand-in.
    const standIn: TxOutput = { value: 0n, script: new Uint8Array(0) }
    const outputs = [standIn, ...split.fixed]
    const reference = makeShareJob({ ...base, payouts: () => ({ outputs, earned: new Map(), lottery: null }) }, block, new Uint8Array(0), extranonceSize).parts
    this.coinb1 = reference.coinb1
    this.coinb1Hex = toHex(reference.coinb1)
    const hex = toHex(reference.coinb2)
    const fixedHex = split.fixed.map(outputHex)
    const tailBytes = COMMITMENT_OUTPUT_HEAD + 32 + LOCK_TIME
    const payoutsBytes = outputs.reduce((n, o) => n + outputSize(o.script), 0)
    const head = hex.slice(0, 2 * (reference.coinb2.length - tailBytes - payoutsBytes))
    const commitmentHead = hex.slice(hex.length - 2 * tailBytes, hex.length - 2 * (32 + LOCK_TIME))
    this.lockTimeHex = hex.slice(hex.length - 2 * LOCK_TIME)
    let before = head
    for (let i = 0; i <= fixedHex.length; i++) {
      this.before.push(before)
      before += fixedHex[i] ?? ''
    }
    let after = commitmentHead
    for (let i = fixedHex.length; i >= 0; i--) {
      this.after[i] = after
      after = (fixedHex[i - 1] ?? '') + after
    }
    this.commitmentHex = shareCommitmentHexFor(base.chain.consensusId, { height: base.height, parent: base.parentId, uncles: base.uncles, shareBits: base.shareBits })
  }

  /** Null for a finder this layout does not cover. */
  partsFor(payoutScript: Uint8Array): PatchedParts | null {
    // One-byte script lengths only (every standard payout script), as the stand-in's.
    if (payoutScript.length >= 0xfd) return null
    const scriptHex = toHex(payoutScript)
    if (this.split.isInWindow(scriptHex)) return null
    const { index, output } = this.split.variableFor(payoutScript)
    if (!this.flat.has(index)) this.flatten(index)
    const coinb2Hex = (this.before[index] as string) + this.outputHexOf(output, output.script === payoutScript ? scriptHex : toHex(output.script)) + (this.after[index] as string) + this.commitmentHex(payoutScript, scriptHex) + this.lockTimeHex
    return new PatchedParts(this.coinb1, this.coinb1Hex, coinb2Hex, this.extranonceSize)
  }

  /**
   * outputHex of the variable output (the finder's own, or a prize winner's) from its script's
   * hex: the value's hex is made once per job.
   */
  private outputHexOf(output: TxOutput, scriptHex: string): string {
    if (output.script.length >= 0xfd) return outputHex(output)
    let value = this.valueHex.get(output.value)
    if (value === undefined) {
      value = toHex(new ByteWriter(8).u64(output.value).finish())
      this.valueHex.set(output.value, value)
    }
    return value + (output.script.length < 16 ? '0' : '') + output.script.length.toString(16) + scriptHex
  }

  /**
   * V8 keeps `a + b` as a rope; one built from a hundred outputs is slow to copy out at every
   * notify. Copied flat once per index used (a job uses one or a few).
   */
  private flatten(index: number): void {
    this.before[index] = Buffer.from(this.before[index] as string, 'latin1').toString('latin1')
    this.after[index] = Buffer.from(this.after[index] as string, 'latin1').toString('latin1')
    this.flat.add(index)
  }
}
