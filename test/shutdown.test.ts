/**
 * SIGTERM with work in flight: the HTTP request being answered finishes with all its
 * audio, the streaming session gets its queued audio and then a 1012 (service restart) close, spans
 * reach the collector, and the process exits 0.
 */
import { expect, test } from 'bun:test'
import { OtlpReceiver } from './support/otlp-receiver.ts'
import { startService } from './support/service.ts'
import { isJson, WsClient } from './support/ws-client.ts'

test('SIGTERM lets in-flight requests and sessions finish, flushes telemetry, exits 0', async () => {
  const receiver = new OtlpReceiver()
  // Every trace kept (TTS_TRACE_KEEP_RATIO=1): this checks the flush at exit, not sampling.
  const svc = await startService({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '600000', TTS_MAX_CONCURRENCY: '1', TTS_TRACE_KEEP_RATIO: '1' })
  const long = Array.from({ length: 25 }, (_, i) => `This sentence number ${i + 1} keeps the engine busy for a while.`).join(' ')

  // A streaming session with a long answer queued, and audio already flowing.
  const session = new WsClient(`${svc.url.replace(/^http/, 'ws')}/v1/stream`)
  await session.opened
  session.send({ type: 'start', voice: 'alloy', format: 'pcm', sample_rate: 16000 })
  session.send({ type: 'text', text: `${long} ` })
  session.send({ type: 'flush' })
  await session.next((m) => m.kind === 'binary')

  // An HTTP request whose body is still streaming.
  const response = await fetch(`${svc.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'in-flight-1' },
    body: JSON.stringify({ model: 'tts-1', voice: 'nova', input: long, response_format: 'pcm' }),
  })
  expect(response.status).toBe(200)

  svc.proc.kill('SIGTERM')
  const body = new Uint8Array(await response.arrayBuffer())
  const closed = await session.closed
  const exitCode = await svc.proc.exited

  // The whole answer arrived: 25 sentences of speech at 24 kHz is well over 20 s.
  expect(body.length / 2 / 24000).toBeGreaterThan(20)
  expect(closed.code).toBe(1012)
  const frames = session.binary().length
  const flushed = session.json().find((j) => j.type === 'flushed')
  // Every frame queued before the shutdown was sent before the 1012 close.
  expect(flushed).toBeDefined()
  expect(flushed.last_seq).toBe(frames - 1)
  // 25 sentences at 16 kHz: the session's whole answer went out, not just what was playing.
  expect(session.binary().reduce((n, f) => n + f.length - 4, 0) / 2 / 16000).toBeGreaterThan(20)
  expect(exitCode).toBe(0)
  expect(svc.logs.some((l) => l.msg === 'stopped')).toBe(true)
  expect(receiver.spans.some((s) => s.name === 'POST /v1/audio/speech' && s.attributes['request.id'] === 'in-flight-1')).toBe(true)
  expect(receiver.spans.some((s) => s.name === 'WS /v1/stream close' && s.attributes['websocket.close.code'] === 1012)).toBe(true)
  receiver.stop()
}, 60_000)
