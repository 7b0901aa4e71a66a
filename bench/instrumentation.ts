/**
 * Instrumentation cost on the cache-hit path: the same server with every request traced
 * (100% sampling, OTLP export to a live sink), metrics and a log line per request, against
 * the same server with telemetry off. Rounds alternate so drift on a shared machine hits both.
 */
import { spawnService, otlpSink, type BenchService } from './service.ts'
import { fmt, processCpuSeconds, quantile, runConcurrently, verdict } from './stats.ts'

const REQUESTS = 4000
const CONCURRENCY = 16
const ROUNDS = 5
// Until the JIT has settled: after 500 requests its compiler threads still burned 30-60 µs
// per request (more code to compile with telemetry on), which is start-up, not steady cost.
const WARMUP = 20_000

async function round(svc: BenchService, body: string) {
  const cpu0 = processCpuSeconds(svc.pid)
  const t0 = performance.now()
  await runConcurrently(REQUESTS, CONCURRENCY, () =>
    fetch(`${svc.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) =>
      r.arrayBuffer(),
    ),
  )
  const seconds = (performance.now() - t0) / 1000
  return { rps: REQUESTS / seconds, cpuUsPerRequest: ((processCpuSeconds(svc.pid) - cpu0) / REQUESTS) * 1e6 }
}

export async function benchInstrumentation(): Promise<string[]> {
  const sink = otlpSink()
  const on = await spawnService({
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
    OTEL_TRACES_SAMPLER: 'always_on',
    LOG_LEVEL: 'info',
    TTS_MAX_CONCURRENCY: '1',
  })
  const off = await spawnService({ OTEL_SDK_DISABLED: 'true', TTS_METRICS_ENABLED: 'false', LOG_LEVEL: 'silent', TTS_MAX_CONCURRENCY: '1' })
  const body = JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'Cached hello.', response_format: 'wav' })
  for (const svc of [on, off]) await runConcurrently(WARMUP, CONCURRENCY, () => fetch(`${svc.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.arrayBuffer()))
  const results = { on: [] as Awaited<ReturnType<typeof round>>[], off: [] as Awaited<ReturnType<typeof round>>[] }
  for (let i = 0; i < ROUNDS; i++) {
    results.on.push(await round(on, body))
    results.off.push(await round(off, body))
  }
  await Promise.all([on.stop(), off.stop()])
  sink.stop()
  // Medians: on 2 shared cores single rounds swing by tens of µs; one bad round must not decide.
  const median = (xs: number[]) => quantile(xs, 0.5)
  const rpsOn = median(results.on.map((r) => r.rps))
  const rpsOff = median(results.off.map((r) => r.rps))
  const cpuOn = median(results.on.map((r) => r.cpuUsPerRequest))
  const cpuOff = median(results.off.map((r) => r.cpuUsPerRequest))
  const added = cpuOn - cpuOff
  return [
    `Instrumentation on the cache-hit path (median of ${ROUNDS} alternating rounds of ${REQUESTS} requests, ${CONCURRENCY} in flight):`,
    `  telemetry on : ${fmt(rpsOn, 0)} req/s, ${fmt(cpuOn, 1)} µs CPU/request`,
    `  telemetry off: ${fmt(rpsOff, 0)} req/s, ${fmt(cpuOff, 1)} µs CPU/request`,
    verdict('added CPU per request <= 10 µs', added <= 10, `${fmt(added, 1)} µs`),
    verdict('throughput ratio >= 0.85', rpsOn / rpsOff >= 0.85, fmt(rpsOn / rpsOff)),
  ]
}
