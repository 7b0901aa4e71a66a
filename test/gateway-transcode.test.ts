/**
 * Transcoding upstream PCM off the event loop: two gateways in front of one real tts-edge,
 * one encoding in its encode workers (the default), one on its event loop as before
 * (TTS_ENCODE_WORKERS=0). Both must produce the same audio; only the first may keep its
 * event loop free, which its metrics show by where each stream was encoded.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { decode } from './support/audio-decoders.ts'
import { startGateway } from './support/gateway.ts'
import { metricValue } from './support/metrics.ts'
import { startService, type RunningService } from './support/service.ts'
import { isJson, WsClient } from './support/ws-client.ts'

let upstream: RunningService
let pooled: RunningService
let inPlace: RunningService

beforeAll(async () => {
  upstream = await startService()
  const engines = { engines: { up: { kind: 'openai', url: `${upstream.url}/v1` } }, default: 'up' }
  ;[pooled, inPlace] = await Promise.all([startGateway(engines), startGateway(engines, { TTS_ENCODE_WORKERS: '0' })])
}, 120_000)

afterAll(async () => {
  await Promise.all([pooled?.stop(), inPlace?.stop(), upstream?.stop()])
}, 30_000)

const transcodes = (svc: RunningService, thread: 'worker' | 'event_loop') => metricValue(svc.url, `tts_transcode_streams_total{thread="${thread}"}`)

async function speech(svc: RunningService, input: string, format: string): Promise<Response> {
  return fetch(`${svc.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: 'up:en-us-f1', input, response_format: format }),
  })
}

function sameSamples(a: Int16Array, b: Int16Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

describe('a gateway transcoding upstream pcm', () => {
  test.each([
    ['opus', 'ogg'],
    ['aac', 'aac'],
  ])('serves %s that decodes to exactly what encoding on the event loop produced, encoded in a worker', async (format, ext) => {
    const text = `The gateway asks its upstream for raw samples and encodes them as ${format}. Nothing else waits for it.`
    const workerBefore = await transcodes(pooled, 'worker')
    const [fromPool, fromLoop] = await Promise.all([speech(pooled, text, format), speech(inPlace, text, format)])
    expect(fromPool.status).toBe(200)
    expect(fromPool.headers.get('x-tts-engine')).toBe('up')
    const [pooledAudio, loopAudio] = [new Uint8Array(await fromPool.arrayBuffer()), new Uint8Array(await fromLoop.arrayBuffer())]
    const [pooledPcm, loopPcm] = await Promise.all([decode(pooledAudio, ext), decode(loopAudio, ext)])
    expect(pooledPcm.length).toBeGreaterThan(24000)
    expect(sameSamples(pooledPcm, loopPcm)).toBe(true)
    // Where each gateway encoded: the pooled one in its workers only, the other on its event loop.
    expect((await transcodes(pooled, 'worker')) - workerBefore).toBe(1)
    expect(await transcodes(pooled, 'event_loop')).toBe(0)
    expect(await transcodes(inPlace, 'event_loop')).toBeGreaterThan(0)
    expect(await transcodes(inPlace, 'worker')).toBe(0)
  })

  test('answers /healthz and a cache hit while a long transcode streams', async () => {
    const cached = await speech(pooled, 'Already said once.', 'opus')
    await cached.arrayBuffer()
    const long = Array.from({ length: 40 }, (_, i) => `Sentence number ${i + 1} of a long text the gateway encodes as Opus.`).join(' ')
    const res = await speech(pooled, long, 'opus')
    const reader = res.body!.getReader()
    const first = await reader.read()
    expect(first.done).toBe(false)
    // First bytes are out, the rest still streaming: other requests are answered meanwhile.
    const [health, hit] = await Promise.all([fetch(`${pooled.url}/healthz`), speech(pooled, 'Already said once.', 'opus')])
    expect(health.status).toBe(200)
    expect(hit.status).toBe(200)
    expect(new Uint8Array(await hit.arrayBuffer()).byteLength).toBeGreaterThan(0)
    let rest = 0
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += r.value.byteLength
    expect(rest).toBeGreaterThan(0)
    const line = await pooled.waitForLog((l) => l.msg === 'request completed' && l.route === '/v1/audio/speech' && l.cache === 'cache_hit')
    expect(line.status).toBe(200)
  })

  test('starts encode workers only where an engine needs them', async () => {
    const ready = (svc: RunningService) => svc.waitForLog((l) => l.msg === 'engine ready')
    expect((await ready(pooled)).encode_workers).toBe(2)
    expect((await ready(inPlace)).encode_workers).toBe(0)
    const espeakOnly = await startGateway({ engines: { local: { kind: 'espeak' } }, default: 'local' })
    try {
      expect((await ready(espeakOnly)).encode_workers).toBe(0)
    } finally {
      await espeakOnly.stop()
    }
  })

  test('a streaming session on an upstream voice encodes its mp3 in a worker', async () => {
    const before = await transcodes(pooled, 'worker')
    const client = new WsClient(`${pooled.url.replace(/^http/, 'ws')}/v1/stream`)
    await client.opened
    client.send({ type: 'start', voice: 'up:en-us-m1', format: 'mp3', sample_rate: 44100 })
    await client.next(isJson((j) => j.type === 'started'))
    client.send({ type: 'text', text: 'One sentence for the stream. And a second one. ' })
    client.send({ type: 'close' })
    await client.next(isJson((j) => j.type === 'end'))
    expect((await client.closed).code).toBe(1000)
    expect(client.binary().length).toBeGreaterThan(0)
    expect((await transcodes(pooled, 'worker')) - before).toBe(2)
    expect(await transcodes(pooled, 'event_loop')).toBe(0)
  })
})
