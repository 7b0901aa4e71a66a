/**
 * Requests without a Host are routed by their path like any other: HAProxy's default health
 * check (HTTP/1.0, no Host), HTTP/1.1 with an empty Host, and an API call sent the same way.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { rawHttp } from './support/raw-http.ts'
import { startService, type RunningService } from './support/service.ts'
import { waitUntil } from './support/wait.ts'

let svc: RunningService
beforeAll(async () => {
  svc = await startService()
  await waitUntil(async () => (await fetch(`${svc.url}/readyz`)).ok, 30_000, 'service ready')
})
afterAll(() => svc?.stop())

test("HAProxy's default check (HTTP/1.0, no Host) gets 200 from /readyz", async () => {
  const res = await rawHttp(svc.port, 'GET /readyz HTTP/1.0\r\n\r\n')
  expect(res.status).toBe(200)
  expect(JSON.parse(res.body.toString())).toMatchObject({ status: 'ready' })
})

test('HTTP/1.1 with an empty Host is routed by its path', async () => {
  const ready = await rawHttp(svc.port, 'GET /readyz HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n')
  expect(ready.status).toBe(200)
  const health = await rawHttp(svc.port, 'GET /healthz HTTP/1.0\r\nHost: \r\n\r\n')
  expect(health.status).toBe(200)
})

test('HTTP/1.1 with no Host line at all is refused by Bun itself with 400, as RFC 9112 asks', async () => {
  // Documents the one Host-less shape we cannot route: it never reaches our code.
  const res = await rawHttp(svc.port, 'GET /readyz HTTP/1.1\r\nConnection: close\r\n\r\n')
  expect(res.status).toBe(400)
})

test('an unknown path without Host is a 404 that names the path it was sent', async () => {
  const res = await rawHttp(svc.port, 'GET /no/such/thing HTTP/1.0\r\n\r\n')
  expect(res.status).toBe(404)
  expect(JSON.parse(res.body.toString()).error.message).toContain('/no/such/thing')
})

test('a speech request over HTTP/1.0 without Host gets its audio', async () => {
  const body = JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'No host header here.', response_format: 'wav' })
  const res = await rawHttp(
    svc.port,
    `POST /v1/audio/speech HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
  expect(res.status).toBe(200)
  expect(res.headers['content-type']).toBe('audio/wav')
  expect(res.body.subarray(0, 4).toString()).toBe('RIFF')
  expect(res.body.length).toBeGreaterThan(10_000)
})
