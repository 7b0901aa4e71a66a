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

/**
 * CPU seconds of a process without its Worker threads (named `Worker` by Bun): the event
 * loop, Bun's HTTP client thread (exports), JIT and GC. Telemetry runs there, synthesis does not.
 * The process's total less its workers': JIT and GC helper threads come and go, and a thread
 * that ended takes its time out of a sum over the live ones (the process's total keeps it).
 */
export function cpuSecondsOutsideWorkers(pid: number): number {
  let workers = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === 'Worker') workers += cpuSecondsOf(`/proc/${pid}/task/${tid}/stat`)
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return processCpuSeconds(pid) - workers
}

function cpuSecondsOf(path: string): number {
  const stat = readFileSync(path, 'utf8')
  // Fields after the command name, which may contain spaces, start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
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
