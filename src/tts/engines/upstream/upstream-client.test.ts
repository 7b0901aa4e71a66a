import { afterAll, expect, test } from 'bun:test'
import { trace } from '@opentelemetry/api'
import { createMetrics, openMetricsRegistry } from '../../../telemetry/metrics.ts'
import { parseEnginesFile } from '../engines-file.ts'
import { UpstreamClient } from './upstream-client.ts'
import { UpstreamError } from './upstream-error.ts'

// A real HTTP server whose answers each test scripts, one per request.
let script: (() => Response)[] = []
let seen = 0
const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch() {
    seen++
    return (script.shift() ?? (() => new Response('no script', { status: 500 })))()
  },
})
afterAll(() => server.stop(true))

const audio = () => new Response(new Uint8Array(4096), { headers: { 'content-type': 'audio/pcm' } })

function client(extra: Record<string, unknown> = {}) {
  const file = parseEnginesFile(JSON.stringify({ engines: { up: { kind: 'openai', url: server.url.href, retry_base_ms: 1, ...extra } } }), {})
  const settings = file.engines[0]!
  if (settings.kind !== 'openai') throw new Error('unreachable')
  const metrics = createMetrics(openMetricsRegistry())
  return { client: new UpstreamClient(settings, { tracer: trace.getTracer('test'), metrics }), metrics }
}

const call = (c: UpstreamClient) =>
  c.open({ url: `${server.url.href}audio/speech`, body: {}, characters: 5, acceptsType: (t) => t.startsWith('audio/') })

async function drain(stream: Awaited<ReturnType<typeof call>>): Promise<number> {
  let bytes = 0
  for await (const chunk of stream.chunks) bytes += chunk.byteLength
  return bytes
}

test('a 503 before any audio is retried, honouring its Retry-After, and the audio then streams', async () => {
  seen = 0
  script = [() => new Response('busy', { status: 503, headers: { 'retry-after': '0' } }), audio]
  const { client: c, metrics } = client({ retries: 2 })
  expect(await drain(await call(c))).toBe(4096)
  expect(seen).toBe(2)
  expect((await metrics.upstreamErrors.get()).values.find((v) => v.labels.reason === 'status_5xx')?.value).toBe(1)
})

test('a Retry-After longer than max_retry_after_ms is not waited for: the error goes to the fallback at once', async () => {
  seen = 0
  script = [() => new Response('slow down', { status: 429, headers: { 'retry-after': '120' } }), audio]
  const { client: c } = client({ retries: 2, max_retry_after_ms: 1000 })
  const err = await call(c).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(UpstreamError)
  expect((err as UpstreamError).reason).toBe('rate_limited')
  expect((err as UpstreamError).retryAfterSeconds).toBe(120)
  expect(seen).toBe(1)
  script = []
})

test('a 4xx is not retried and does not count against the circuit', async () => {
  seen = 0
  script = [() => Response.json({ error: 'bad voice' }, { status: 400 })]
  const { client: c } = client({ retries: 3, breaker_failures: 1 })
  expect(((await call(c).catch((e: unknown) => e)) as UpstreamError).reason).toBe('status_4xx')
  expect(seen).toBe(1)
  script = [audio]
  expect(await drain(await call(c))).toBe(4096)
})

test('consecutive failures open the circuit: later calls are refused without reaching the upstream', async () => {
  seen = 0
  script = [() => new Response('<html>oops</html>', { headers: { 'content-type': 'text/html' } }), () => new Response('', { status: 502 })]
  const { client: c, metrics } = client({ retries: 0, breaker_failures: 2, breaker_half_open_ms: 60_000 })
  for (const reason of ['bad_response', 'status_5xx']) expect(((await call(c).catch((e: unknown) => e)) as UpstreamError).reason).toBe(reason as never)
  const refused = (await call(c).catch((e: unknown) => e)) as UpstreamError
  expect(refused.reason).toBe('circuit_open')
  expect(refused.retryAfterSeconds).toBe(60)
  expect(seen).toBe(2)
  expect((await metrics.upstreamCircuit.get()).values[0]?.value).toBe(2)
})

test('an upstream that stops sending mid-body is cut by the idle timeout', async () => {
  script = [
    () =>
      new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(new Uint8Array(100))
          },
        }),
        { headers: { 'content-type': 'audio/mpeg' } },
      ),
  ]
  const { client: c } = client({ idle_timeout_ms: 150 })
  const stream = await call(c)
  const err = await drain(stream).catch((e: unknown) => e)
  expect((err as UpstreamError).reason).toBe('timeout')
  expect(c.inflight).toBe(0)
})

test('calls beyond max_concurrency wait in the queue, counted, until a slot frees', async () => {
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  script = [
    () => new Response(new ReadableStream({ async start(c) { c.enqueue(new Uint8Array(10)); await gate; c.close() } }), { headers: { 'content-type': 'audio/pcm' } }),
    audio,
  ]
  const { client: c } = client({ max_concurrency: 1, max_queue: 4 })
  const first = await call(c)
  const second = call(c)
  expect([c.inflight, c.queued]).toEqual([1, 1])
  release()
  expect(await drain(first)).toBe(10)
  expect(await drain(await second)).toBe(4096)
  expect([c.inflight, c.queued]).toEqual([0, 0])
})

test('a short answer of declared length arrives whole, as one chunk, and the call ends ok', async () => {
  // 60 KiB: read through a stream, this arrives as 16 KiB and the rest.
  script = [() => new Response(new Uint8Array(60 * 1024), { headers: { 'content-type': 'audio/pcm' } })]
  const { client: c, metrics } = client()
  const stream = await call(c)
  const chunks: number[] = []
  for await (const chunk of stream.chunks) chunks.push(chunk.byteLength)
  expect(chunks).toEqual([60 * 1024])
  expect(c.inflight).toBe(0)
  expect((await metrics.upstreamDuration.get()).values.find((v) => v.labels.outcome === 'ok' && v.metricName?.endsWith('_count'))?.value).toBe(1)
})

// Declares more than it sends, then closes: truncated audio, read whole (short) or streamed (long).
const truncating = (declared: number) =>
  Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(socket) {
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: audio/mpeg\r\ncontent-length: ${declared}\r\n\r\n`)
        socket.write(new Uint8Array(100))
        socket.end()
      },
    },
  })

test.each([1000, 200_000])('a body short of its declared %d bytes is a cut, never whole audio', async (declared) => {
  const truncator = truncating(declared)
  try {
    const { client: c, metrics } = client({ retries: 0 })
    const err = await c
      .open({ url: `http://127.0.0.1:${truncator.port}/audio/speech`, body: {}, characters: 5, acceptsType: (t) => t.startsWith('audio/') })
      .then(drain)
      .catch((e: unknown) => e)
    expect((err as UpstreamError).reason).toBe('cut')
    expect(c.inflight).toBe(0)
    expect((await metrics.upstreamErrors.get()).values.find((v) => v.labels.reason === 'cut')?.value).toBe(1)
  } finally {
    truncator.stop(true)
  }
})
