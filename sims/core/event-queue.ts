/**
 * The simulator's clock: a binary min-heap of events ordered by (simulated time, insertion order).
 * Ties in time are broken by insertion order, so a run never depends on heap internals.
 */
interface Slot<E> {
  time: number
  order: number
  event: E
}

export class EventQueue<E> {
  private readonly heap: Slot<E>[] = []
  private inserted = 0

  get size(): number {
    return this.heap.length
  }

  push(time: number, event: E): void {
    if (!Number.isFinite(time)) throw new RangeError(`event time must be finite, got ${time}`)
    const heap = this.heap
    heap.push({ time, order: this.inserted++, event })
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(heap[i] as Slot<E>, heap[parent] as Slot<E>)) break
      swap(heap, i, parent)
      i = parent
    }
  }

  pop(): { time: number; event: E } | undefined {
    const heap = this.heap
    const top = heap[0]
    if (top === undefined) return undefined
    const last = heap.pop() as Slot<E>
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && before(heap[l] as Slot<E>, heap[m] as Slot<E>)) m = l
        if (r < heap.length && before(heap[r] as Slot<E>, heap[m] as Slot<E>)) m = r
        if (m === i) break
        swap(heap, i, m)
        i = m
      }
    }
    return { time: top.time, event: top.event }
  }
}

function before<E>(a: Slot<E>, b: Slot<E>): boolean {
  return a.time < b.time || (a.time === b.time && a.order < b.order)
}

function swap<E>(heap: Slot<E>[], i: number, j: number): void {
  const t = heap[i] as Slot<E>
  heap[i] = heap[j] as Slot<E>
  heap[j] = t
}
