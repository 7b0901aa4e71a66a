/**
 * Faults between the gateway and a real upstream tts-edge, made by a TCP proxy of our own
 * (refuse, stall before the first byte, cut mid-body, trickle), an upstream answering
 * garbage, and the upstream killed during a burst. Each ends as docs/gateway.md says:
 * fallback while no audio was sent, a clear error after, 503 + Retry-After when nothing is
 * left, never a hang, never audio spoken twice; the circuit opens and closes again.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startFaultProxy, type FaultMode, type FaultProxy } from './support/fault-proxy.ts'
import { startGateway } from './support/gateway.ts'
import { metricValue } from './support/metrics.ts'
import { waitUntil } from './support/wait.ts'
import { WsClient } from './support/ws-client.ts'
import { startService, type RunningService } from './support/service.ts'

let upstream: RunningService
let proxy: FaultProxy
let withFallback: RunningService
let alone: RunningService
let junk: ReturnType<typeof Bun.serve>
let junkMode: 'html' | 'json' | 'empty' | 'pcm' = 'html'
let truncator: import('bun').TCPSocketListener<undefined>

const timeouts = { connect_timeout_ms: 1500, first_byte_timeout_ms: 1500, idle_timeout_ms: 1500, retries: 1, retry_base_ms: 10 }
const breaker = { breaker_failures: 3, breaker_half_open_ms: 1500 }

beforeAll(async () => {
  junk = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch(req) {
      if (new URL(req.url).pathname.endsWith('/audio/voices')) return new Response('no', { status: 404 })
      if (junkMode === 'html') return new Response('<html><body>502 Bad Gateway</body></html>', { headers: { 'content-type': 'text/html' } })
      if (junkMode === 'json') return Response.json({ ok: true })
      if (junkMode === 'empty') return new Response(new Uint8Array(0), { headers: { 'content-type': 'audio/mpeg' } })
      return new Response(new Uint8Array(2048), { headers: { 'content-type': 'audio/pcm' } })
    },
  })
  // Raw HTTP that promises 100 kB of audio, sends 2 kB and closes (Bun.serve would fix the length up).
  truncator = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(socket) {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: audio/pcm\r\ncontent-length: 100000\r\n\r\n')
        socket.write(new Uint8Array(2048))
        socket.end()
      },
    },
  })
  upstream = await startService({ OTEL_SDK_DISABLED: 'true' })
  proxy = await startFaultProxy(upstream.port)
  const up = { kind: 'openai', url: `${proxy.url}/v1`, ...timeouts, ...breaker }
  ;[withFallback, alone] = await Promise.all([
    startGateway({ engines: { up, local: { kind: 'espeak' } }, default: 'up', fallback: ['local'] }, { OTEL_SDK_DISABLED: 'true' }),
    startGateway(
      { engines: { up: { ...up, breaker_failures: 1000 }, junk: { kind: 'openai', url: `${junk.url.href}v1`, ...timeouts }, trunc: { kind: 'openai', url: `http://127.0.0.1:${truncator.port}/v1`, ...timeouts, retries: 0 } }, default: 'up' },
      { OTEL_SDK_DISABLED: 'true' },
    ),
  ])
}, 120_000)

afterAll(async () => {
  proxy?.stop()
  junk?.stop(true)
  truncator?.stop(true)
  await Promise.all([withFallback?.stop(), alone?.stop(), upstream?.stop()])
}, 30_000)

const speak = (svc: RunningService, input: string, voice = 'alloy', format = 'pcm') =>
  fetch(`${svc.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice, input, response_format: format }),
  })

/** The whole body, or the error that cut it, with the bytes that came before. */
async function readAll(res: Response): Promise<{ bytes: number; error?: unknown }> {
  let bytes = 0
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength
    return { bytes }
  } catch (error) {
    return { bytes, error }
  }
}

/** Runs `fn` with the proxy misbehaving as `mode`, then lets traffic pass again. */
async function duringFault<T>(mode: FaultMode, fn: () => Promise<T>): Promise<T> {
  proxy.mode = mode
  try {
    return await fn()
  } finally {
    proxy.mode = { kind: 'pass' }
  }
}

let n = 0
const fresh = (text: string) => `${text} Number ${++n}.`

describe('faults after audio started', () => {
  test('a cut mid-body ends the response with an error, and nothing is replayed', async () => {
    const text = fresh('This answer is cut short after its first bytes. It goes on and on. And on.')
    const whole = (await readAll(await speak(withFallback, text, 'local:en-us-f1'))).bytes
    await duringFault({ kind: 'cut', afterBytes: 4096 }, async () => {
      const res = await speak(withFallback, text)
      expect(res.status).toBe(200)
      expect(res.headers.get('x-tts-engine')).toBe('up')
      const body = await readAll(res)
      expect(body.error).toBeDefined()
      expect(body.bytes).toBeLessThan(whole)
    })
  })

  test('slow bytes still arrive whole and unchanged', async () => {
    const text = fresh('Slowly but surely.')
    const slow = await duringFault({ kind: 'slow', bytesPerTick: 4096, tickMs: 5 }, async () => {
      const res = await speak(withFallback, text, 'alloy', 'pcm')
      expect(res.headers.get('x-tts-engine')).toBe('up')
      return res.arrayBuffer()
    })
    const reference = await speak(upstream, text, 'alloy', 'pcm')
    expect(Buffer.from(slow).equals(Buffer.from(await reference.arrayBuffer()))).toBe(true)
  })
})

describe('faults before the first audio byte', () => {
  test('refused connections: the fallback engine speaks, and the fallback is counted', async () => {
    await duringFault({ kind: 'refuse' }, async () => {
      const res = await speak(withFallback, fresh('The upstream refuses.'))
      expect(res.status).toBe(200)
      expect(res.headers.get('x-tts-engine')).toBe('local')
      expect((await readAll(res)).bytes).toBeGreaterThan(10_000)
      expect(await metricValue(withFallback.url, 'tts_fallback_total{from="up",to="local"}')).toBeGreaterThanOrEqual(1)
      expect(await metricValue(withFallback.url, 'tts_upstream_errors_total{engine="up",reason="connect"}')).toBeGreaterThanOrEqual(1)
    })
  })

  test('with nothing to fall back to: 503 with Retry-After in each API shape', async () => {
    await duringFault({ kind: 'refuse' }, async () => {
      const res = await speak(alone, fresh('Nobody home.'))
      expect(res.status).toBe(503)
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(await res.json()).toMatchObject({ error: { code: 'engine_unavailable', type: 'server_error' } })
      const el = await fetch(`${alone.url}/v1/text-to-speech/up:en-us-f1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: fresh('Nobody home.') }),
      })
      expect(el.status).toBe(503)
      expect(el.headers.get('retry-after')).not.toBeNull()
      expect(await el.json()).toMatchObject({ detail: { status: 'engine_unavailable' } })
    })
  })

  test('an upstream that stalls before its first byte is given up on and the fallback speaks', async () => {
    await duringFault({ kind: 'stall' }, async () => {
      const res = await speak(withFallback, fresh('The upstream stalls.'))
      expect(res.status).toBe(200)
      expect(res.headers.get('x-tts-engine')).toBe('local')
      expect(await metricValue(withFallback.url, 'tts_upstream_errors_total{engine="up",reason="timeout"}')).toBeGreaterThanOrEqual(1)
    })
  })
})

test('a streaming session whose every engine is down closes with 1013 (try again later)', async () => {
  await duringFault({ kind: 'refuse' }, async () => {
    const client = new WsClient(`${alone.url.replace(/^http/, 'ws')}/v1/stream`)
    await client.opened
    client.send({ type: 'start', voice: 'up:en-us-f1', format: 'pcm', sample_rate: 24000 })
    client.send({ type: 'text', text: 'Nobody will say this. ' })
    client.send({ type: 'flush' })
    const closed = await client.closed
    expect(closed.code).toBe(1013)
    expect(client.json().find((j) => j.type === 'error')).toMatchObject({ code: 'engine_unavailable' })
    expect(client.binary()).toHaveLength(0)
  })
})

describe('an upstream answering garbage', () => {
  test.each(['html', 'json', 'empty'] as const)('%s is a 503 in our shape, not a crash', async (mode) => {
    junkMode = mode
    const res = await speak(alone, fresh('Garbage in.'), 'junk:alloy', 'mp3')
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ error: { code: 'engine_unavailable' } })
  })

  test('truncated audio (short of its Content-Length) is an error, not audio, and the service carries on', async () => {
    const res = await speak(alone, fresh('Truncated.'), 'trunc:alloy', 'pcm')
    // Before any audio left: 503 in our shape; had some left, the body would end in an error.
    if (res.status === 503) expect(await res.json()).toMatchObject({ error: { code: 'engine_unavailable' } })
    else expect((await readAll(res)).error).toBeDefined()
    expect((await fetch(`${alone.url}/healthz`)).status).toBe(200)
    expect(await metricValue(alone.url, 'tts_upstream_errors_total{engine="junk",reason="bad_response"}')).toBeGreaterThanOrEqual(3)
    expect(await metricValue(alone.url, 'tts_upstream_errors_total{engine="trunc",reason="cut"}')).toBe(1)
  })
})

test('the upstream killed during a burst: 200 or 503 + Retry-After, none hangs or repeats; the circuit opens and closes', async () => {
  const texts = Array.from({ length: 12 }, (_, i) => fresh(`Burst request ${i} speaks a few words. Then a few more.`))
  const outcomes = texts.map(async (text) => {
    const res = await speak(withFallback, text)
    return { text, status: res.status, engine: res.headers.get('x-tts-engine'), retryAfter: res.headers.get('retry-after'), ...(await readAll(res)) }
  })
  // Kill it once the burst is under way: the first answer has started.
  await Promise.race(outcomes)
  upstream.proc.kill('SIGKILL')
  await upstream.proc.exited
  const after = await Promise.all([...outcomes, ...texts.slice(0, 4).map(async (t) => {
    const res = await speak(withFallback, `${t} Again.`)
    return { text: `${t} Again.`, status: res.status, engine: res.headers.get('x-tts-engine'), retryAfter: res.headers.get('retry-after'), ...(await readAll(res)) }
  })])
  for (const o of after) {
    expect([200, 503]).toContain(o.status)
    if (o.status === 503) expect(o.retryAfter).not.toBeNull()
    if (o.status !== 200 || o.error) continue
    // A reply never holds more than one speaking of its text (a replayed sentence would add half again).
    const reference = (await readAll(await speak(withFallback, o.text, 'local:en-us-f1'))).bytes
    expect(o.bytes).toBeLessThan(reference * 1.1)
  }
  expect(after.some((o) => o.engine === 'local')).toBe(true)
  // Enough failures in a row open the breaker.
  for (let i = 0; i < 3 && (await metricValue(withFallback.url, 'tts_upstream_circuit_state{engine="up"}')) !== 2; i++) {
    await readAll(await speak(withFallback, fresh('Knock knock.')))
  }
  expect(await metricValue(withFallback.url, 'tts_upstream_circuit_state{engine="up"}')).toBe(2)

  // The upstream comes back (on a new port, behind the same proxy): a half-open probe succeeds and the circuit closes.
  upstream = await startService({ OTEL_SDK_DISABLED: 'true' })
  proxy.target = upstream.port
  let engine = null as string | null
  await waitUntil(
    async () => {
      const res = await speak(withFallback, fresh('Are you back?'))
      engine = res.headers.get('x-tts-engine')
      await readAll(res)
      return engine === 'up'
    },
    20_000,
    'a request served by the upstream again',
  )
  expect(engine).toBe('up')
  expect(await metricValue(withFallback.url, 'tts_upstream_circuit_state{engine="up"}')).toBe(0)
}, 90_000)
