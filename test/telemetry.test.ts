/**
 * From one request to its trace, logs and exemplar: what the on-call engineer relies on.
 * The service exports to a local receiver that decodes the real OTLP/HTTP wire format.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { OtlpReceiver } from './support/otlp-receiver.ts'
import { startService, type RunningService } from './support/service.ts'

let receiver: OtlpReceiver
let svc: RunningService

beforeAll(async () => {
  receiver = new OtlpReceiver()
  // Every trace kept: this file checks what a kept trace carries (test/sampling.test.ts checks which are kept).
  svc = await startService({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'tts-edge-test', TTS_TRACE_KEEP_RATIO: '1' })
})
afterAll(async () => {
  await svc.stop()
  receiver.stop()
}, 30_000)

const randomHex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex')

async function speak(input: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${svc.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input, response_format: 'wav' }),
  })
  await res.arrayBuffer()
  return res
}

describe('a request sent with a traceparent', () => {
  const traceId = randomHex(16)
  const requestId = `req-${randomHex(4)}`
  const secret = `SECRET-${randomHex(6)}`
  let res: Response

  beforeAll(async () => {
    res = await speak(`Please do not log this: ${secret}.`, {
      traceparent: `00-${traceId}-${randomHex(8)}-01`,
      'x-request-id': requestId,
      authorization: `Bearer ${secret}-key`,
    })
  })

  test('answers with its request id, a traceresponse in the same trace, and Server-Timing', () => {
    expect(res.status).toBe(200)
    expect(res.headers.get('x-request-id')).toBe(requestId)
    expect(res.headers.get('traceresponse')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`))
    expect(res.headers.get('server-timing')).toContain('cache;dur=')
  })

  test('yields a SERVER span and its children in that trace, with the documented attributes', async () => {
    const names = ['tts.cache.lookup', 'tts.synthesize', 'tts.encode', 'tts.cache.store']
    await receiver.waitFor((r) => names.every((n) => r.spans.some((s) => s.traceId === traceId && s.name === n)))
    await receiver.waitFor((r) => r.spans.some((s) => s.traceId === traceId && s.name === 'POST /v1/audio/speech'))
    const spans = receiver.spans.filter((s) => s.traceId === traceId)
    const server = spans.find((s) => s.name === 'POST /v1/audio/speech')!
    expect(server.kind).toBe(2) // SPAN_KIND_SERVER
    expect(server.resource['service.name']).toBe('tts-edge-test')
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/audio/speech',
      'http.response.status_code': 200,
      'request.id': requestId,
      'tts.voice': expect.any(String),
      'tts.language': 'en-US',
      'tts.format': 'wav',
      'tts.cache.result': 'created',
    })
    for (const name of names) {
      expect(spans.find((s) => s.name === name)?.parentSpanId).toBe(server.spanId)
    }
    const synth = spans.find((s) => s.name === 'tts.synthesize')!
    expect(synth.attributes['tts.audio.duration_s']).toBeGreaterThan(0.5)
    expect(synth.attributes['tts.rtf']).toBeGreaterThan(0)
    expect(synth.attributes['tts.words']).toBe(6)
  })

  test('yields log records in that trace, on stdout and over OTLP', async () => {
    const line = await svc.waitForLog((l) => l.request_id === requestId && l.msg === 'request completed')
    expect(line).toMatchObject({ trace_id: traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/), status: 200, service: 'tts-edge-test' })
    await receiver.waitFor((r) => r.logs.some((l) => l.traceId === traceId && l.attributes.request_id === requestId))
    const record = receiver.logs.find((l) => l.traceId === traceId)!
    // The record's body is the stdout line itself; filterable fields ride as attributes.
    expect(JSON.parse(String(record.body))).toMatchObject({ msg: 'request completed', request_id: requestId, trace_id: traceId })
    expect(record.attributes).toMatchObject({ request_id: requestId, route: '/v1/audio/speech', status: 200 })
    expect(record.severityText).toBe('INFO')
    // Sent as OTLP/HTTP protobuf, the default, and decoded as a collector would.
    expect(receiver.requests.filter((r) => r.signal === 'logs')[0]?.contentType).toBe('application/x-protobuf')
  })

  test('leaves an exemplar with its trace id on /metrics', async () => {
    const text = await (await fetch(`${svc.url}/metrics`)).text()
    expect(text).toContain(`trace_id="${traceId}"`)
    expect(text).toMatch(new RegExp(`tts_request_duration_seconds_bucket\\{[^}]*route="/v1/audio/speech"[^}]*\\} \\d+ # \\{trace_id="${traceId}"`))
  })

  test('never writes the spoken text or the key to logs or spans', async () => {
    await svc.waitForLog((l) => l.request_id === requestId && l.msg === 'request completed')
    expect(svc.output()).not.toContain(secret)
    expect(JSON.stringify(receiver.spans)).not.toContain(secret)
    expect(JSON.stringify(receiver.logs)).not.toContain(secret)
  })
})

test('/metrics serves OpenMetrics with every batch metric and process metrics', async () => {
  const res = await fetch(`${svc.url}/metrics`)
  expect(res.headers.get('content-type')).toStartWith('application/openmetrics-text')
  const text = await res.text()
  for (const name of [
    'speech_request_total',
    'speech_create_duration_seconds',
    'speech_language_total',
    'tts_request_duration_seconds',
    'tts_word_count_duration_seconds',
    'tts_character_count_duration_seconds',
    'tts_synthesis_rtf',
    'tts_synthesis_queue_depth',
    'tts_synthesis_workers_busy',
    'tts_errors_total',
    'tts_cache_bytes',
    'process_resident_memory_bytes',
  ]) {
    expect(text).toContain(`# TYPE ${name.replace(/_total$/, '')} `)
  }
  expect(text.trimEnd().endsWith('# EOF')).toBe(true)
})

test('identical concurrent requests share one synthesis', async () => {
  const metric = async () => {
    const text = await (await fetch(`${svc.url}/metrics`)).text()
    return Number(text.match(/^speech_create_duration_seconds_count (\d+)/m)?.[1] ?? 0)
  }
  const before = await metric()
  const input = `Shared flight ${randomHex(4)}. It has two sentences.`
  const responses = await Promise.all(Array.from({ length: 4 }, () => speak(input)))
  expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200])
  expect((await metric()) - before).toBe(1)
})

test('spans buffered at SIGTERM are flushed before exit', async () => {
  const quiet = new OtlpReceiver()
  // A schedule delay far longer than the test: only the shutdown flush can deliver the span.
  const one = await startService({ OTEL_EXPORTER_OTLP_ENDPOINT: quiet.endpoint, OTEL_BSP_SCHEDULE_DELAY: '600000', OTEL_BLRP_SCHEDULE_DELAY: '600000', TTS_TRACE_KEEP_RATIO: '1' })
  const traceId = randomHex(16)
  await fetch(`${one.url}/v1/models`, { headers: { traceparent: `00-${traceId}-${randomHex(8)}-01` } })
  expect(quiet.spans.length).toBe(0)
  expect(await one.stop()).toBe(0)
  expect(quiet.spans.some((s) => s.traceId === traceId && s.name === 'GET /v1/models')).toBe(true)
  expect(quiet.logs.some((l) => l.traceId === traceId)).toBe(true)
  quiet.stop()
})
