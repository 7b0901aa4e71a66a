/**
 * Slow clients cannot hold resources forever: a trickled body gets 408, a half-sent
 * request is cut off by the idle timeout, and a streaming session has a maximum length.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { connect } from 'node:net'
import { startService, type RunningService } from './support/service.ts'
import { isJson, WsClient } from './support/ws-client.ts'

let svc: RunningService

beforeAll(async () => {
  svc = await startService({ TTS_BODY_TIMEOUT_MS: '500', TTS_HTTP_IDLE_TIMEOUT_SECONDS: '1', TTS_WS_MAX_SESSION_SECONDS: '1' })
})
afterAll(async () => {
  await svc.stop()
}, 30_000)

/** Opens a raw connection, writes `head`, and resolves with everything the server sends until it closes. */
function halfRequest(head: string): Promise<string> {
  const socket = connect(svc.port, '127.0.0.1')
  return new Promise((resolve) => {
    let received = ''
    socket.on('connect', () => socket.write(head))
    socket.on('data', (d) => (received += d.toString()))
    socket.on('close', () => resolve(received))
    socket.on('error', () => resolve(received))
  })
}

test('a body that stops arriving gets 408 in the API shape once the deadline passes', async () => {
  const body = '{"model":"tts-1","voice":"alloy","input":"Hello"}'
  const response = await halfRequest(
    `POST /v1/audio/speech HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
  )
  expect(response).toStartWith('HTTP/1.1 408')
  expect(response).toContain('"code":"request_timeout"')
})

test('a request whose headers stop half way is cut off by the server', async () => {
  // Bun (uWS) drops a connection whose request head is incomplete after about 10 s; this is
  // not configurable. Nothing of ours times it: the test ends when the server closes.
  const response = await halfRequest('POST /v1/audio/speech HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl')
  expect(response).toBe('')
}, 30_000)

test('an idle keep-alive connection is closed after TTS_HTTP_IDLE_TIMEOUT_SECONDS', async () => {
  const started = performance.now()
  const response = await halfRequest('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  expect(response).toStartWith('HTTP/1.1 200')
  // Bun checks idle timers on a 4 s tick: closed within 1 to 5 s, far sooner than the 30 s default.
  expect(performance.now() - started).toBeLessThan(9000)
}, 15_000)

test('a client that never reads its response is cut off, and the request is released', async () => {
  const long = Array.from({ length: 60 }, (_, i) => `Nobody will ever read sentence ${i + 1} of this answer.`).join(' ')
  const body = JSON.stringify({ model: 'tts-1', voice: 'alloy', input: long, response_format: 'wav' })
  const socket = connect(svc.port, '127.0.0.1')
  socket.on('connect', () => {
    socket.write(
      `POST /v1/audio/speech HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Request-Id: never-reads\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
    socket.pause() // several megabytes of audio come back; none of it is read
  })
  // The server gives up on the stalled connection and finishes the request's bookkeeping.
  const line = await svc.waitForLog((l) => l.request_id === 'never-reads' && typeof l.status === 'number', 25_000)
  expect(line).toMatchObject({ status: 200, client_disconnected: true })
  socket.destroy()
}, 30_000)

test('a streaming session is closed at its maximum length, however busy', async () => {
  const client = new WsClient(`${svc.url.replace(/^http/, 'ws')}/v1/stream`)
  await client.opened
  client.send({ type: 'start', voice: 'alloy' })
  await client.next(isJson((j) => j.type === 'started'))
  const error = (await client.next(isJson((j) => j.type === 'error'))) as { json: any }
  expect(error.json.code).toBe('session_too_long')
  expect((await client.closed).code).toBe(1008)
})
