/**
 * Overload is shed politely: past the engine's queue, per API key, and past the session
 * limit, clients get 429s (or close 1013) in their API's shape, never a 5xx, and every
 * request that was accepted gets valid audio.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { probeAudio } from './support/ffprobe.ts'
import { metricValue } from './support/metrics.ts'
import { keysFile } from './support/keys-file.ts'
import { startService, type RunningService } from './support/service.ts'
import { waitUntil } from './support/wait.ts'
import { isJson, WsClient } from './support/ws-client.ts'

const running: RunningService[] = []
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()))
}, 30_000)

async function service(env: Record<string, string>) {
  const svc = await startService(env)
  running.push(svc)
  return svc
}

const sentences = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `Request ${tag} says sentence ${i + 1}.`).join(' ')

describe('a burst of five times the capacity', () => {
  test('gets only 200s and 429s in each API shape, and every 200 is valid audio', async () => {
    // Capacity: one worker plus a queue of two.
    const svc = await service({ TTS_MAX_CONCURRENCY: '1', TTS_MAX_QUEUE: '2' })
    const calls = Array.from({ length: 15 }, (_, i) =>
      i % 2 === 0
        ? fetch(`${svc.url}/v1/audio/speech`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: sentences(12, `o${i}`), response_format: 'wav' }),
          })
        : fetch(`${svc.url}/v1/text-to-speech/en-us-f1?output_format=pcm_16000`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ text: sentences(12, `e${i}`) }),
          }),
    )
    const responses = await Promise.all(calls)
    const statuses = responses.map((r) => r.status)
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0)
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3)
    for (const [i, res] of responses.entries()) {
      if (res.status === 429) {
        expect(res.headers.get('retry-after')).toBe('1')
        expect(res.headers.get('retry-after-ms')).toBe('1000')
        expect(res.headers.get('maximum-concurrent-requests')).toBe('2')
        const body = await res.json()
        if (i % 2 === 0) expect(body).toMatchObject({ error: { code: 'too_many_concurrent_requests', type: 'rate_limit_error' } })
        else expect(body).toEqual({ detail: { status: 'too_many_concurrent_requests', message: expect.any(String) } })
        continue
      }
      const bytes = new Uint8Array(await res.arrayBuffer())
      const audio = i % 2 === 0 ? await probeAudio(bytes, 'wav') : await probeAudio(bytes, 'pcm', 16000)
      expect(audio.decodedSeconds).toBeGreaterThan(10)
    }
  })
})

describe('per-key limits', () => {
  const speak = (svc: RunningService, key: string, input: string) =>
    fetch(`${svc.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input, response_format: 'pcm' }),
    })

  test('a key over its concurrency gets 429 while another key is served', async () => {
    const svc = await service({ TTS_API_KEYS: 'key-a,key-b', TTS_KEY_MAX_CONCURRENCY: '1' })
    const first = await speak(svc, 'key-a', sentences(20, 'a1'))
    expect(first.status).toBe(200) // its body is still streaming: the slot is held
    const second = await speak(svc, 'key-a', 'Again.')
    expect(second.status).toBe(429)
    expect(await second.json()).toMatchObject({ error: { code: 'too_many_concurrent_requests' } })
    const other = await speak(svc, 'key-b', 'Someone else.')
    expect(other.status).toBe(200)
    await Promise.all([first.arrayBuffer(), other.arrayBuffer()])
    const afterwards = await speak(svc, 'key-a', 'Now it fits.')
    expect(afterwards.status).toBe(200)
    await afterwards.arrayBuffer()
  })

  test('a key over its characters per minute gets 429 with the time to wait', async () => {
    const svc = await service({ TTS_API_KEYS: 'key-c', TTS_KEY_CHARS_PER_MINUTE: '100' })
    // A request that fails validation spends nothing.
    const rejected = await fetch(`${svc.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer key-c' },
      body: JSON.stringify({ model: 'tts-1', voice: 'nobody', input: 'z'.repeat(90) }),
    })
    expect(rejected.status).toBe(400)
    const ok = await speak(svc, 'key-c', 'x'.repeat(60))
    expect(ok.status).toBe(200)
    await ok.arrayBuffer()
    const over = await speak(svc, 'key-c', 'y'.repeat(60))
    expect(over.status).toBe(429)
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await over.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } })
  })

  test("a keys file's own limits win over the server-wide ones, key by key", async () => {
    const file = keysFile([
      { id: 'roomy', key: 'roomy-key-0123456789', limits: { max_concurrency: 2, characters_per_minute: 10_000 } },
      { id: 'tight', key: 'tight-key-0123456789', limits: { characters_per_minute: 50 } },
    ])
    const svc = await service({ TTS_KEYS_FILE: file.path, TTS_KEY_MAX_CONCURRENCY: '1', TTS_KEY_CHARS_PER_MINUTE: '100' })
    // roomy: two at once (the server's default is one), past 100 characters.
    const first = await speak(svc, 'roomy-key-0123456789', sentences(20, 'r1'))
    const second = await speak(svc, 'roomy-key-0123456789', sentences(20, 'r2'))
    expect([first.status, second.status]).toEqual([200, 200])
    const third = await speak(svc, 'roomy-key-0123456789', 'A third at once.')
    expect(third.status).toBe(429)
    expect(await third.json()).toMatchObject({ error: { code: 'too_many_concurrent_requests' } })
    expect(third.headers.get('maximum-concurrent-requests')).toBe('2')
    await Promise.all([first.arrayBuffer(), second.arrayBuffer()])
    // tight: 50 characters a minute, not the server's 100.
    const ok = await speak(svc, 'tight-key-0123456789', 'x'.repeat(40))
    expect(ok.status).toBe(200)
    await ok.arrayBuffer()
    const over = await speak(svc, 'tight-key-0123456789', 'y'.repeat(40))
    expect(over.status).toBe(429)
    expect((await over.json()).error.message).toContain('50 characters per minute')
  })
})

test('a queued request whose client has gone is dropped before it is synthesised', async () => {
  const svc = await service({ TTS_MAX_CONCURRENCY: '1', TTS_MAX_QUEUE: '4', TTS_ENGINE: 'espeak-wasm' })
  const gauge = (name: string) => metricValue(svc.url, name)
  const speak = (input: string, signal?: AbortSignal) =>
    fetch(`${svc.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input, response_format: 'pcm' }),
      ...(signal && { signal }),
    })
  // The only worker gets a long job; its response is left unread, so it keeps the worker busy.
  const busy = speak(sentences(60, 'long'))
  const controller = new AbortController()
  const queued = speak('I will hang up before my turn.', controller.signal).catch((e: unknown) => e)
  await waitUntil(async () => (await gauge('tts_synthesis_queue_depth')) === 1, 10_000, 'the second request to queue')
  controller.abort()
  await queued
  // Dropped from the queue while the long job still runs: it never reached the engine.
  await waitUntil(async () => (await gauge('tts_synthesis_queue_depth')) === 0, 10_000, 'the queue to empty')
  expect(await gauge('tts_synthesis_workers_busy')).toBe(1)
  await (await busy).arrayBuffer()
})

test('a streaming session past the server limit is refused with close 1013', async () => {
  const svc = await service({ TTS_WS_MAX_SESSIONS: '2' })
  const ws = svc.url.replace(/^http/, 'ws')
  const open = await Promise.all([0, 1].map(async () => {
    const client = new WsClient(`${ws}/v1/stream`)
    await client.opened
    client.send({ type: 'start', voice: 'alloy' })
    await client.next(isJson((j) => j.type === 'started'))
    return client
  }))
  const third = new WsClient(`${ws}/v1/stream`)
  const error = (await third.next(isJson((j) => j.type === 'error'))) as { json: any }
  expect(error.json.code).toBe('too_many_sessions')
  expect((await third.closed).code).toBe(1013)
  for (const client of open) client.send({ type: 'close' })
  await Promise.all(open.map((c) => c.closed))
})
