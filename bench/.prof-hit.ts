// throwaway: profile one service under wrk
import { spawnService, otlpSink } from './service.ts'
import { postLoad } from './http-load.ts'
import { processCpuSeconds } from './stats.ts'
const sink = otlpSink()
const mode = process.argv[2] ?? 'on'
const env: Record<string, string> = mode === 'on'
  ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, LOG_LEVEL: 'info', TTS_MAX_CONCURRENCY: '1', OTEL_TRACES_SAMPLER: 'always_on' }
  : { OTEL_SDK_DISABLED: 'true', TTS_METRICS_ENABLED: 'false', LOG_LEVEL: 'silent', TTS_MAX_CONCURRENCY: '1' }
const svc = await spawnService(env)
const body = JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'Welcome back. Your order has shipped and should arrive on Thursday afternoon.', response_format: 'mp3' })
for (let i = 0; i < 3; i++) await fetch(`${svc.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.arrayBuffer())
await postLoad({ url: `${svc.url}/v1/audio/speech`, body, connections: 16, seconds: 5 })
for (let i = 0; i < 3; i++) {
  const c0 = processCpuSeconds(svc.pid)
  const r = await postLoad({ url: `${svc.url}/v1/audio/speech`, body, connections: 16, seconds: Number(process.argv[3] ?? 3) })
  console.log(mode, ((processCpuSeconds(svc.pid) - c0) / r.requests * 1e6).toFixed(1), 'µs', r.requests, r.failures)
}
await svc.stop()
sink.stop()
process.exit(0)
