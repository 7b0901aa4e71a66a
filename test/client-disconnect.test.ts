/**
 * A client that hangs up while its streamed audio is being sent is not our error: the
 * request is logged at info with `client_disconnected`, nothing lands in `tts_errors_total`,
 * its span is not an ERROR, the synthesis it alone waited for stops (the engine goes idle,
 * nothing is cached), and another reader of the same synthesis still gets the whole file.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect, type Socket } from 'node:net'
import { probeAudio } from './support/ffprobe.ts'
import { metricValue } from './support/metrics.ts'
import { OtlpReceiver } from './support/otlp-receiver.ts'
import { startService, type RunningService } from './support/service.ts'
import { waitUntil } from './support/wait.ts'

let receiver: OtlpReceiver
let svc: RunningService

beforeAll(async () => {
  receiver = new OtlpReceiver()
  svc = await startService({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, TTS_TRACE_KEEP_RATIO: '1', TTS_MAX_CONCURRENCY: '1' })
})
afterAll(async () => {
  await svc.stop()
  receiver.stop()
}, 30_000)

/** Several seconds of audio: far more than one chunk, so the body is cut mid-way. */
const longText = (tag: string) =>
  Array.from({ length: 40 }, (_, i) => `This is sentence ${i + 1} of the ${tag} answer, and it is long enough to take a while.`).join(' ')

/**
 * Sends a raw HTTP request and resolves with its status once the response head and the
 * first chunk of its (chunked) body have arrived; the caller decides when to hang up.
 */
function rawRequest(path: string, body: unknown, requestId: string): { socket: Socket; firstChunk: Promise<number> } {
  const json = JSON.stringify(body)
  const socket = connect(svc.port, '127.0.0.1')
  const firstChunk = new Promise<number>((resolve, reject) => {
    let received = Buffer.alloc(0)
    socket.on('connect', () =>
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Request-Id: ${requestId}\r\n` +
          `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
      ),
    )
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data])
      const headEnd = received.indexOf('\r\n\r\n')
      if (headEnd < 0) return
      const rest = received.subarray(headEnd + 4)
      const sizeEnd = rest.indexOf('\r\n')
      if (sizeEnd < 0) return
      const size = Number.parseInt(rest.subarray(0, sizeEnd).toString(), 16)
      if (rest.length >= sizeEnd + 2 + size) resolve(Number(received.subarray(0, headEnd).toString().split(' ')[1]))
    })
    socket.on('error', reject)
    socket.on('close', () => reject(new Error(`closed before the first chunk arrived: ${received.toString().slice(0, 300)}`)))
  })
  return { socket, firstChunk }
}

/** A client that reads the head and the first chunk of audio, then goes away. */
async function hangUpAfterFirstChunk(path: string, body: unknown, requestId: string): Promise<number> {
  const { socket, firstChunk } = rawRequest(path, body, requestId)
  const status = await firstChunk
  socket.destroy()
  return status
}

const metric = (series: string) => metricValue(svc.url, series)
const engineIdle = async () => (await metric('tts_synthesis_workers_busy')) === 0 && (await metric('tts_synthesis_queue_depth')) === 0

const ROUTES = [
  { name: 'OpenAI speech (mp3)', path: '/v1/audio/speech', body: (input: string) => ({ model: 'tts-1', voice: 'alloy', input, response_format: 'mp3' }), viaSpeech: true },
  { name: 'OpenAI speech as SSE (opus)', path: '/v1/audio/speech', body: (input: string) => ({ model: 'tts-1', voice: 'alloy', input, response_format: 'opus', stream_format: 'sse' }), viaSpeech: true },
  { name: 'ElevenLabs stream (opus)', path: '/v1/text-to-speech/alloy/stream?output_format=opus_48000_64', body: (text: string) => ({ text }), viaSpeech: true },
  { name: 'ElevenLabs stream with timestamps (NDJSON, mp3)', path: '/v1/text-to-speech/alloy/stream/with-timestamps', body: (text: string) => ({ text }), viaSpeech: false },
]

describe.each(ROUTES)('a client that hangs up mid-body: $name', (route) => {
  const requestId = `hang-up-${Math.random().toString(36).slice(2, 10)}`
  let line: Record<string, unknown>
  const before: Record<string, number> = {}
  const SERIES = ['tts_errors_total{type="stream_aborted"}', 'speech_request_total{result="error"}', 'speech_create_duration_seconds_count']

  beforeAll(async () => {
    await waitUntil(engineIdle, 20_000, 'the engine to be idle before the request')
    for (const s of SERIES) before[s] = await metric(s)
    expect(await hangUpAfterFirstChunk(route.path, route.body(longText(requestId)), requestId)).toBe(200)
    line = await svc.waitForLog((l) => l.request_id === requestId && typeof l.status === 'number', 20_000)
  }, 40_000)

  test('is logged at info as client_disconnected, not as a failed stream', () => {
    expect(line).toMatchObject({ level: 30, msg: 'request completed', status: 200, client_disconnected: true })
    const ours = svc.logs.filter((l) => l.request_id === requestId)
    expect(ours.filter((l) => Number(l.level) >= 50)).toEqual([])
    expect(ours.some((l) => l.msg === 'response stream failed after it started')).toBe(false)
  })

  test('counts no error, and the engine goes idle without finishing the text', async () => {
    await waitUntil(engineIdle, 20_000, 'the engine to go idle once the client left')
    expect(await metric('tts_errors_total{type="stream_aborted"}')).toBe(before['tts_errors_total{type="stream_aborted"}']!)
    expect(await metric('speech_request_total{result="error"}')).toBe(before['speech_request_total{result="error"}']!)
    // The synthesis was stopped, not run to the end: it was never timed as finished.
    expect(await metric('speech_create_duration_seconds_count')).toBe(before['speech_create_duration_seconds_count']!)
  }, 30_000)

  test('its span marks the disconnect and is not an ERROR, nor is the synthesis it stopped', async () => {
    const server = () => receiver.spans.find((s) => s.attributes['request.id'] === requestId && s.kind === 2)
    await receiver.waitFor(() => server() !== undefined)
    const span = server()!
    expect(span.attributes['tts.client.disconnected']).toBe(true)
    expect(span.status.code ?? 0).not.toBe(2)
    if (!route.viaSpeech) return
    const synth = () => receiver.spans.find((s) => s.traceId === span.traceId && s.name === 'tts.synthesize')
    await receiver.waitFor(() => synth() !== undefined)
    expect(synth()!.status.code ?? 0).not.toBe(2)
    expect(synth()!.attributes['tts.synthesis.abandoned']).toBe(true)
  }, 30_000)
})

test('a reader that stays gets the whole file when another reader of the same synthesis hangs up', async () => {
  await waitUntil(engineIdle, 20_000, 'the engine to be idle before the request')
  const body = { model: 'tts-1', voice: 'alloy', input: longText('shared'), response_format: 'mp3' }
  const createdBefore = await metric('speech_request_total{result="created"}')
  const errorsBefore = await metric('tts_errors_total{type="stream_aborted"}')
  const json = JSON.stringify(body)
  const leaver = rawRequest('/v1/audio/speech', body, 'shared-leaver')
  // The leaver's first chunk is out: the synthesis is running when the stayer joins it.
  expect(await leaver.firstChunk).toBe(200)
  const stayer = await fetch(`${svc.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json })
  expect(stayer.status).toBe(200)
  expect(stayer.headers.get('x-cache')).toBe('MISS') // joined the running synthesis rather than a finished one
  leaver.socket.destroy()
  const leaverLine = await svc.waitForLog((l) => l.request_id === 'shared-leaver' && typeof l.status === 'number', 20_000)
  expect(leaverLine).toMatchObject({ level: 30, status: 200, client_disconnected: true })
  const whole = new Uint8Array(await stayer.arrayBuffer())
  const audio = await probeAudio(whole, 'mp3')
  // 40 long sentences: far longer than the one chunk the leaver saw.
  expect(audio.decodedSeconds).toBeGreaterThan(60)
  // The cache got the very file the stayer heard.
  await waitUntil(async () => {
    const again = await fetch(`${svc.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json })
    const bytes = new Uint8Array(await again.arrayBuffer())
    return again.headers.get('x-cache') === 'HIT' && Buffer.compare(bytes, whole) === 0
  }, 10_000, 'the finished file to be served from the cache')
  expect(await metric('speech_request_total{result="created"}')).toBe(createdBefore + 1)
  expect(await metric('tts_errors_total{type="stream_aborted"}')).toBe(errorsBefore)
}, 60_000)

test('a client that hangs up while its request is queued is logged as 499, not as a 500 of ours', async () => {
  await waitUntil(engineIdle, 20_000, 'the engine to be idle before the request')
  const series = ['tts_errors_total{type="internal"}', 'tts_request_duration_seconds_count{route="/v1/audio/speech",method="POST",status_code="500"}']
  const before = await Promise.all(series.map(metric))
  // The only worker (TTS_MAX_CONCURRENCY=1) is kept busy, so the next request waits in the queue.
  const busy = rawRequest('/v1/audio/speech', { model: 'tts-1', voice: 'alloy', input: longText('busy'), response_format: 'mp3' }, 'keeps-busy')
  expect(await busy.firstChunk).toBe(200)
  const queued = rawRequest('/v1/audio/speech', { model: 'tts-1', voice: 'alloy', input: 'I hang up before my turn.' }, 'queued-leaver')
  queued.firstChunk.catch(() => {}) // it never gets one
  await waitUntil(async () => (await metric('tts_synthesis_queue_depth')) === 1, 10_000, 'the second request to queue')
  queued.socket.destroy()
  const line = await svc.waitForLog((l) => l.request_id === 'queued-leaver' && typeof l.status === 'number', 20_000)
  expect(line).toMatchObject({ level: 30, msg: 'request completed', status: 499, client_disconnected: true })
  expect(svc.logs.filter((l) => l.request_id === 'queued-leaver' && Number(l.level) >= 50)).toEqual([])
  busy.socket.destroy()
  await waitUntil(engineIdle, 20_000, 'the engine to go idle once both clients left')
  expect(await Promise.all(series.map(metric))).toEqual(before)
}, 60_000)
