// throwaway A/B: two services with different env, alternating rounds
import { spawnService, otlpSink } from './service.ts'
import { postLoad } from './http-load.ts'
import { processCpuSeconds, quantile } from './stats.ts'
const sink = otlpSink()
const OFF = { OTEL_SDK_DISABLED: 'true', TTS_METRICS_ENABLED: 'false', LOG_LEVEL: 'silent', TTS_MAX_CONCURRENCY: '1' }
const ON = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, LOG_LEVEL: 'info', TTS_MAX_CONCURRENCY: '1', OTEL_TRACES_SAMPLER: 'always_on' }
const base = process.argv[2] === 'on' ? ON : OFF
const a = JSON.parse(process.argv[3] ?? '{}'), b = JSON.parse(process.argv[4] ?? '{}')
const svcs = [await spawnService({ ...base, ...a }, process.env.A_ENTRY ?? 'src/main.ts'), await spawnService({ ...base, ...b })]
const body = JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'Welcome back. Your order has shipped and should arrive on Thursday afternoon.', response_format: 'mp3' })
for (const svc of svcs) for (let i = 0; i < 3; i++) await fetch(`${svc.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.arrayBuffer())
for (const svc of svcs) await postLoad({ url: `${svc.url}/v1/audio/speech`, body, connections: 16, seconds: 5 })
const res: number[][] = [[], []]
for (let i = 0; i < 6; i++) for (const [n, svc] of svcs.entries()) {
  const c0 = processCpuSeconds(svc.pid)
  const r = await postLoad({ url: `${svc.url}/v1/audio/speech`, body, connections: 16, seconds: 2 })
  res[n]!.push(((processCpuSeconds(svc.pid) - c0) / r.requests) * 1e6)
}
console.log('A', quantile(res[0]!, 0.5).toFixed(1), res[0]!.map((x) => x.toFixed(0)).join(' '))
console.log('B', quantile(res[1]!, 0.5).toFixed(1), res[1]!.map((x) => x.toFixed(0)).join(' '))
await Promise.all(svcs.map((s) => s.stop()))
sink.stop()
process.exit(0)
