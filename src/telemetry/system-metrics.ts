/**
 * Gauges of the machine and the engine pool, read at scrape time (nothing runs between
 * scrapes): the API-monitoring design's `tts_system_*` and `tts_active_voices`, and the
 * parallel wrapper's `worker_utilization_percent` (docs/observability.md, "Seed metrics").
 *
 * "System" is the machine (or Kubernetes node) the replica runs on, as the kernel reports
 * it: a container sees its node's CPU and memory here. The process's own figures are
 * prom-client's `process_cpu_seconds_total` and `process_resident_memory_bytes`.
 */
import { cpus, freemem, totalmem } from 'node:os'
import { Gauge, type OpenMetricsContentType, type Registry } from 'prom-client'

/** What the gauges read; each is called once per scrape. */
export interface SystemSources {
  /** Workers synthesising now and workers in the pool, over every engine. */
  workers?: () => { busy: number; workers: number }
  /** Voices each configured engine offers now (an upstream's catalogue as last fetched). */
  voices?: () => Iterable<readonly [engine: string, count: number]>
}

/** CPU time so far, summed over every core, in ms. */
function cpuTimes(): { busy: number; total: number } {
  let busy = 0
  let total = 0
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq
    total += all
    busy += all - times.idle
  }
  return { busy, total }
}

/**
 * @example
 * createSystemMetrics(registry, { workers: () => engine.stats() })
 */
export function createSystemMetrics(registry: Registry<OpenMetricsContentType>, sources: SystemSources = {}) {
  const registers = [registry]
  // CPU use is a rate: each scrape reports the share of time busy since the one before.
  let last = cpuTimes()
  return {
    systemCpu: new Gauge({
      name: 'tts_system_cpu_usage_percent',
      help: 'CPU busy on this machine since the previous scrape, percent of all cores.',
      registers,
      collect(this: Gauge) {
        const now = cpuTimes()
        const total = now.total - last.total
        if (total > 0) this.set((100 * (now.busy - last.busy)) / total)
        last = now
      },
    }),
    systemMemory: new Gauge({
      name: 'tts_system_memory_usage_bytes',
      help: 'Memory in use on this machine: total minus what the kernel says is available.',
      registers,
      collect(this: Gauge) {
        this.set(totalmem() - freemem())
      },
    }),
    systemMemoryTotal: new Gauge({
      name: 'tts_system_memory_total_bytes',
      help: 'Memory installed on this machine.',
      registers,
      collect(this: Gauge) {
        this.set(totalmem())
      },
    }),
    workerUtilization: new Gauge({
      name: 'worker_utilization_percent',
      help: 'Engine capacity in use now: workers synthesising (and upstream calls in flight), percent of all workers (and upstream concurrency slots).',
      registers,
      collect(this: Gauge) {
        const { busy, workers } = sources.workers?.() ?? { busy: 0, workers: 0 }
        this.set(workers > 0 ? (100 * busy) / workers : 0)
      },
    }),
    activeVoices: new Gauge({
      name: 'tts_active_voices',
      help: 'Voices each configured engine offers now (an upstream catalogue as last fetched).',
      labelNames: ['engine'],
      registers,
      collect(this: Gauge<'engine'>) {
        for (const [engine, count] of sources.voices?.() ?? []) this.set({ engine }, count)
      },
    }),
  }
}
