/**
 * Small statistics and process-accounting helpers for the benchmarks.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** The q-quantile (0..1) of `values`, nearest-rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

const TICKS_PER_SECOND = 100 // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, threads and workers included. */
export function processCpuSeconds(pid: number): number {
  return cpuSecondsOf(`/proc/${pid}/stat`)
}

/** Each live thread's time on a CPU so far, in nanoseconds, and whether it is a Worker (named `Worker` by Bun). */
export type ThreadTimes = Map<string, { ns: number; worker: boolean }>

/**
 * A snapshot of every live thread's CPU time from /proc/<pid>/task/<tid>/schedstat, exact to the
 * nanosecond. /proc/<pid>/stat counts in 10 ms ticks: over a round of 120 misses that is 83 µs per
 * miss of rounding on each side of a difference, larger than what telemetry's share measures.
 */
export function threadTimes(pid: number): ThreadTimes {
  const times: ThreadTimes = new Map()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const worker = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === 'Worker'
      times.set(tid, { ns: Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]), worker })
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return times
}

/**
 * CPU seconds between two snapshots, of the whole process and of it without its Worker threads
 * (the event loop, Bun's HTTP client thread, JIT, GC and the allocator: telemetry runs there,
 * synthesis does not). A thread that started in between counts from zero. One that ended in
 * between takes its last interval with it, so `ended` says how many did: a reading with ended > 0
 * may be short.
 *
 * @example
 * const before = threadTimes(pid)
 * await load()
 * const { outside, ended } = cpuBetween(before, threadTimes(pid))
 */
export function cpuBetween(before: ThreadTimes, after: ThreadTimes): { total: number; outside: number; ended: number } {
  let total = 0
  let outside = 0
  for (const [tid, { ns, worker }] of after) {
    const spent = (ns - (before.get(tid)?.ns ?? 0)) / 1e9
    total += spent
    if (!worker) outside += spent
  }
  let ended = 0
  for (const tid of before.keys()) if (!after.has(tid)) ended++
  return { total, outside, ended }
}

function cpuSecondsOf(path: string): number {
  const stat = readFileSync(path, 'utf8')
  // Fields after the command name, which may contain spaces, start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

/**
 * Measures every item once per round, `rounds` times, the order rotating each round: the first
 * server loaded in a round read high in every run, so no item is always first. Returns each
 * item's readings, in the items' order.
 *
 * @example
 * const us = await rotatingRounds(servers, 5, async (svc, round) => (await cpuPerRequest(svc, 2)).us)
 */
export async function rotatingRounds<T, R>(items: readonly T[], rounds: number, measure: (item: T, round: number) => Promise<R>): Promise<R[][]> {
  const readings = items.map(() => [] as R[])
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < items.length; k++) {
      const n = (i + k) % items.length
      readings[n]!.push(await measure(items[n]!, i))
    }
  }
  return readings
}

/** Resident set size of a process, bytes. */
export function processRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(status.match(/VmRSS:\s+(\d+) kB/)?.[1] ?? 0) * 1024
}

/**
 * Runs `total` calls of `fn` with at most `concurrency` in flight; returns each call's latency in ms.
 *
 * @example
 * const latencies = await runConcurrently(1000, 16, () => fetch(url).then((r) => r.arrayBuffer()))
 */
export async function runConcurrently(total: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = []
  let next = 0
  const lane = async () => {
    while (next < total) {
      const i = next++
      const t = performance.now()
      await fn(i)
      latencies.push(performance.now() - t)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane))
  return latencies
}

export const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')

/** Prints a verdict line for a target. */
export function verdict(label: string, ok: boolean, detail: string): string {
  return `${ok ? 'PASS' : 'MISS'}  ${label}: ${detail}`
}
