/**
 * The ids of the last `capacity` headers the work layer took as shares or blocks. A miner can send
 * one header under two live jobs whose coinbases are byte-identical (a template refresh with the
 * same previous block and share tip); the stratum server's duplicate check is per job, so this
 * one, per node, makes sure a header is appended once. The view check behind it catches what has
 * left this set (SPEC.md §6.2 rule 9 would record the copy as an invalid duplicate on every node).
 */
export class RecentIds {
  private readonly ids = new Set<string>()

  constructor(private readonly capacity: number) {}

  /** Adds `id`; false when it was already there. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false
    this.ids.add(id)
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string)
    return true
  }

  /** Forgets `id` (its append failed: the miner may try again). */
  delete(id: string): void {
    this.ids.delete(id)
  }
}
