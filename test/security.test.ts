/**
 * Security settings as a client meets them: CORS off unless configured, /metrics behind a
 * token or on its own port, and hostile input that cannot mint new metric series.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { OtlpReceiver } from './support/otlp-receiver.ts'
import { freePort } from './support/wait.ts'
import { isJson, WsClient } from './support/ws-client.ts'
import { startService, type RunningService } from './support/service.ts'

const running: RunningService[] = []
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()))
}, 30_000)

async function service(env: Record<string, string> = {}) {
  const svc = await startService(env)
  running.push(svc)
  return svc
}

const preflight = (svc: RunningService, origin: string) =>
  fetch(`${svc.url}/v1/audio/speech`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
  })

describe('CORS', () => {
  test('is off by default: no browser origin is allowed', async () => {
    const svc = await service()
    const res = await preflight(svc, 'https://evil.example')
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('allows exactly the configured origins, and exposes the correlation headers', async () => {
    const svc = await service({ TTS_CORS_ORIGINS: 'https://app.example' })
    expect((await preflight(svc, 'https://app.example')).headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect((await preflight(svc, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull()
    const res = await fetch(`${svc.url}/v1/audio/voices`, { headers: { origin: 'https://app.example' } })
    expect(res.headers.get('access-control-expose-headers')).toContain('traceresponse')
  })
})

describe('/metrics protection', () => {
  test('with TTS_METRICS_TOKEN, scrapes need the bearer token', async () => {
    const token = 'scrape-token-0123456789'
    const svc = await service({ TTS_METRICS_TOKEN: token })
    expect((await fetch(`${svc.url}/metrics`)).status).toBe(401)
    expect((await fetch(`${svc.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401)
    const ok = await fetch(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    expect(ok.status).toBe(200)
    expect(await ok.text()).toContain('# EOF')
  })

  test('with TTS_METRICS_PORT, /metrics moves to that port and leaves the public one', async () => {
    const port = await freePort()
    const svc = await service({ TTS_METRICS_PORT: String(port) })
    expect((await fetch(`${svc.url}/metrics`)).status).toBe(404)
    const res = await fetch(`http://127.0.0.1:${port}/metrics`)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('tts_request_duration_seconds')
  })
})

test('keys and spoken text sent over a WebSocket appear in no log line or span', async () => {
  const receiver = new OtlpReceiver()
  const key = `key-${crypto.randomUUID()}`
  const secret = `SECRET${crypto.randomUUID().slice(0, 8)}`
  const svc = await service({ TTS_API_KEYS: key, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint })
  const client = new WsClient(`${svc.url.replace(/^http/, 'ws')}/v1/stream`)
  await client.opened
  client.send({ type: 'start', voice: 'alloy', api_key: key })
  client.send({ type: 'text', text: `Do not log ${secret}. ` })
  client.send({ type: 'close' })
  await client.next(isJson((j) => j.type === 'end'))
  await svc.waitForLog((l) => l.msg === 'session ended')
  await receiver.waitFor((r) => r.spans.some((s) => s.name === 'WS /v1/stream'))
  for (const text of [svc.output(), JSON.stringify(receiver.spans), JSON.stringify(receiver.logs)]) {
    expect(text).not.toContain(secret)
    expect(text).not.toContain(key)
  }
  receiver.stop()
})

test('a flood of unknown voices, routes and formats adds no metric series', async () => {
  const svc = await service()
  const series = async () =>
    (await (await fetch(`${svc.url}/metrics`)).text()).split('\n').filter((l) => l && !l.startsWith('#') && !/^(process|nodejs)_/.test(l)).map((l) => l.replace(/ .*$/, ''))
  const post = (path: string, body: unknown) =>
    fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  // One of each kind first, so every series a hostile request can touch exists already.
  await post('/v1/audio/speech', { model: 'tts-1', voice: 'nobody', input: 'x' })
  await fetch(`${svc.url}/no/such/path`)
  const before = new Set(await series())
  for (let i = 0; i < 40; i++) {
    const junk = crypto.randomUUID()
    await post('/v1/audio/speech', { model: 'tts-1', voice: junk, input: 'x' })
    await post('/v1/audio/speech', { model: 'tts-1', voice: 'alloy', input: 'x', response_format: junk.slice(0, 8) })
    await post(`/v1/text-to-speech/${junk}`, { text: 'x' })
    await fetch(`${svc.url}/${junk}/${i}`)
  }
  const after = (await series()).filter((s) => !before.has(s))
  // Only the ElevenLabs 404 route adds its (route, status) pair; no id, voice or path appears.
  expect(after.every((s) => s.includes('route="/v1/text-to-speech/:voice_id"'))).toBe(true)
  expect((await series()).some((s) => /[0-9a-f]{8}-[0-9a-f]{4}/.test(s))).toBe(false)
})
