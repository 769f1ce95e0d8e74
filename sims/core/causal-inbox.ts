import type { Envelope } from './envelope.js'

/**
 * Causal delivery for one node: an entry whose parent or uncles the node does not hold yet waits
 * here and is released, in arrival order, as soon as the last of them is applied (Autobase
 * delivers a writer's entries after what they depend on; a share from a fast peer can overtake
 * its parent from a slow one). Entries waiting on ids that never come are withdrawn on expiry.
 */
export class CausalInbox {
  private readonly waiting = new Map<string, Envelope[]>()
  private readonly missing = new Map<Envelope, number>()

  constructor(private readonly has: (id: string) => boolean) {}

  get held(): number {
    return this.missing.size
  }

  /** True when `env` can be applied now; otherwise it is held until its dependencies arrive. */
  offer(env: Envelope): boolean {
    let count = 0
    for (const dep of new Set(env.deps)) {
      if (this.has(dep)) continue
      count++
      const list = this.waiting.get(dep)
      if (list === undefined) this.waiting.set(dep, [env])
      else list.push(env)
    }
    if (count === 0) return true
    this.missing.set(env, count)
    return false
  }

  /** `id` was just applied: the held entries that no longer miss anything, in arrival order. */
  release(id: string): Envelope[] {
    const list = this.waiting.get(id)
    if (list === undefined) return []
    this.waiting.delete(id)
    const ready: Envelope[] = []
    for (const env of list) {
      const left = (this.missing.get(env) ?? 1) - 1
      if (left > 0) this.missing.set(env, left)
      else {
        this.missing.delete(env)
        ready.push(env)
      }
    }
    return ready
  }

  /** Stops holding `env` (its wait expired); false if it had already been released. */
  withdraw(env: Envelope): boolean {
    if (!this.missing.delete(env)) return false
    for (const dep of env.deps) {
      const list = this.waiting.get(dep)
      if (list === undefined) continue
      const rest = list.filter((e) => e !== env)
      if (rest.length === 0) this.waiting.delete(dep)
      else this.waiting.set(dep, rest)
    }
    return true
  }
}
