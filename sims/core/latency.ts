import { Rng } from './rng.js'

/**
 * How long a share takes to reach another node, in simulated seconds. Each ordered pair of nodes
 * has a fixed base latency (its "distance"); each message adds seeded jitter on top.
 */
export type LatencySpec =
  /**
   * Every pair directly connected; each pair's base one-way latency is uniform in
   * [1 - spread, 1 + spread] x mean (spread 0.5 unless given; 0: every pair alike).
   */
  | { kind: 'pairwise'; meanSeconds: number; spread?: number }
  /**
   * A gossip overlay for large networks: a ring plus `degree` random links per node, each link
   * with a latency uniform in [hopMin, hopMax]; a share travels the fastest path.
   */
  | { kind: 'gossip'; degree: number; hopMinSeconds: number; hopMaxSeconds: number }

export interface Latency {
  delay(from: number, to: number): number
}

export function makeLatency(spec: LatencySpec, nodes: number, seed: number): Latency {
  // Jitter: x (0.8 + Exp(0.2)), mean 1, so the base is the mean delay and no delay is below 80 % of it.
  // One stream per sender: what one node sends (say, an attacker's flood) leaves others' delays alone.
  const jitter = Array.from({ length: nodes }, (_, i) => Rng.stream(seed, `latency/jitter/${i}`))
  const jittered = (from: number, base: number): number => base * (0.8 + (jitter[from] as Rng).exp(0.2))
  if (spec.kind === 'pairwise') {
    const rng = Rng.stream(seed, 'latency/pairs')
    const base = new Float64Array(nodes * nodes)
    for (let i = 0; i < nodes; i++) {
      for (let j = i + 1; j < nodes; j++) {
        const spread = spec.spread ?? 0.5
        const d = spec.meanSeconds * rng.uniform(1 - spread, 1 + spread)
        base[i * nodes + j] = d
        base[j * nodes + i] = d
      }
    }
    return { delay: (from, to) => jittered(from, base[from * nodes + to] as number) }
  }
  const graph = gossipGraph(spec, nodes, Rng.stream(seed, 'latency/graph'))
  const fromSource = new Map<number, Float64Array>()
  return {
    delay(from, to) {
      let dist = fromSource.get(from)
      if (dist === undefined) {
        dist = shortestPaths(graph, from)
        fromSource.set(from, dist)
      }
      return jittered(from, dist[to] as number)
    }
  }
}

type Graph = { to: number; seconds: number }[][]

function gossipGraph(spec: Extract<LatencySpec, { kind: 'gossip' }>, nodes: number, rng: Rng): Graph {
  const graph: Graph = Array.from({ length: nodes }, () => [])
  const link = (a: number, b: number): void => {
    if (a === b || graph[a]?.some((e) => e.to === b)) return
    const seconds = rng.uniform(spec.hopMinSeconds, spec.hopMaxSeconds)
    graph[a]?.push({ to: b, seconds })
    graph[b]?.push({ to: a, seconds })
  }
  for (let i = 0; i < nodes; i++) link(i, (i + 1) % nodes)
  for (let i = 0; i < nodes; i++) for (let k = 0; k < spec.degree; k++) link(i, rng.int(nodes))
  return graph
}

/** Dijkstra with a binary heap: fastest arrival time from `source` at every node. */
function shortestPaths(graph: Graph, source: number): Float64Array {
  const dist = new Float64Array(graph.length).fill(Infinity)
  dist[source] = 0
  const heap: [number, number][] = [[0, source]]
  while (heap.length > 0) {
    const [d, u] = popMin(heap)
    if (d > (dist[u] as number)) continue
    for (const e of graph[u] ?? []) {
      const nd = d + e.seconds
      if (nd < (dist[e.to] as number)) {
        dist[e.to] = nd
        pushHeap(heap, [nd, e.to])
      }
    }
  }
  return dist
}

function pushHeap(heap: [number, number][], item: [number, number]): void {
  heap.push(item)
  let i = heap.length - 1
  while (i > 0) {
    const p = (i - 1) >> 1
    if ((heap[p] as [number, number])[0] <= item[0]) break
    heap[i] = heap[p] as [number, number]
    i = p
  }
  heap[i] = item
}

function popMin(heap: [number, number][]): [number, number] {
  const top = heap[0] as [number, number]
  const last = heap.pop() as [number, number]
  if (heap.length > 0) {
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      const val = (k: number): number => (k === i ? last[0] : (heap[k] as [number, number])[0])
      if (l < heap.length && val(l) < val(m)) m = l
      if (r < heap.length && val(r) < val(m)) m = r
      if (m === i) break
      heap[i] = heap[m] as [number, number]
      i = m
    }
    heap[i] = last
  }
  return top
}
