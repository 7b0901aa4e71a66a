/**
 * TTS_LOG_EXPORT from outside: where a request's log line goes (stdout, the collector, or
 * both), seen on the real service's stdout and at a receiver that decodes the OTLP wire format.
 */
import { afterAll, expect, test } from 'bun:test'
import { OtlpReceiver } from './support/otlp-receiver.ts'
import { startService, type RunningService } from './support/service.ts'

const running: { svc: RunningService; receiver: OtlpReceiver }[] = []
afterAll(async () => {
  await Promise.all(running.map(({ svc }) => svc.stop()))
  for (const { receiver } of running) receiver.stop()
}, 30_000)

async function start(mode: string, env: Record<string, string> = {}) {
  const receiver = new OtlpReceiver()
  // Every trace kept, so spans arrive whatever the sampling.
  const svc = await startService({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, TTS_LOG_EXPORT: mode, TTS_TRACE_KEEP_RATIO: '1', ...env })
  running.push({ svc, receiver })
  const res = await fetch(`${svc.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: `Where does this line go, ${mode}?`, response_format: 'wav' }),
  })
  await res.arrayBuffer()
  const requestId = res.headers.get('x-request-id')!
  const isLine = (line: Record<string, unknown>) => line.request_id === requestId && line.msg === 'request completed'
  return { svc, receiver, requestId, isLine }
}

test('otlp: the request line reaches the collector with its trace context, and not stdout', async () => {
  const { svc, receiver, requestId, isLine } = await start('otlp')
  await receiver.waitFor((r) => r.logs.some((l) => l.attributes.request_id === requestId))
  const record = receiver.logs.find((l) => l.attributes.request_id === requestId)!
  const body = JSON.parse(String(record.body)) as Record<string, unknown>
  expect(body).toMatchObject({ msg: 'request completed', request_id: requestId, trace_id: record.traceId, span_id: record.spanId })
  // OTLP/HTTP protobuf by default, for logs and spans alike.
  expect(new Set(receiver.requests.map((r) => r.contentType))).toEqual(new Set(['application/x-protobuf']))
  // Stdout still tells an operator the service started.
  expect(svc.logs.some((l) => l.msg === 'tts-edge listening')).toBe(true)
  // The line would have been flushed with the answer's batch; the summary went to the collector only.
  await svc.stop()
  expect(svc.logs.filter(isLine)).toEqual([])
}, 60_000)

test('stdout: the request line is on stdout and no log record reaches the collector', async () => {
  const { svc, receiver, isLine } = await start('stdout')
  const line = await svc.waitForLog(isLine)
  expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/)
  // Spans still go to the collector: once a span of this process has arrived, logs would have too.
  await receiver.waitFor((r) => r.spans.length > 0)
  await svc.stop()
  expect(receiver.logs).toEqual([])
}, 60_000)

test('both (the default), over http/json: the same line on stdout and at the collector', async () => {
  const { svc, receiver, requestId, isLine } = await start('both', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })
  const line = await svc.waitForLog(isLine)
  await receiver.waitFor((r) => r.logs.some((l) => l.attributes.request_id === requestId))
  const record = receiver.logs.find((l) => l.attributes.request_id === requestId)!
  expect(JSON.parse(String(record.body))).toEqual(line)
  expect(receiver.requests.filter((r) => r.signal === 'logs').every((r) => r.contentType === 'application/json')).toBe(true)
}, 60_000)
