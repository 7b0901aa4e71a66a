/**
 * Two speech services (two replicas) with their own local caches, one real redis-server:
 * identical concurrent requests on both cost one synthesis between them.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { trace } from '@opentelemetry/api'
import pino from 'pino'
import { type RedisServer, startRedisServer } from '../../test/support/redis-server.ts'
import { parseOpenAIFormat } from '../audio/formats.ts'
import type { AudioCache } from '../cache/cache.ts'
import { FleetLease, type LeaseOutcome } from '../cache/fleet-lease.ts'
import { MemoryCache } from '../cache/memory-cache.ts'
import { RedisCache } from '../cache/redis-cache.ts'
import { TieredCache } from '../cache/tiered-cache.ts'
import { countingEngine } from '../../test/support/counting-engine.ts'
import { createEspeak } from './engines/espeak/espeak-variants.ts'
import { SpeechService, type SpeechRequest } from './speech-service.ts'
import { resolveVoice } from './engines/espeak/espeak-voices.ts'

const engine = createEspeak({ engine: 'espeak', workers: 2, maxQueue: 32 })
let redis: RedisServer
const closers: (() => unknown)[] = []
beforeAll(async () => {
  redis = await startRedisServer()
  await engine.warmup()
})
afterAll(async () => {
  for (const close of closers) await close()
  await engine.close()
  await redis?.stop()
})

async function replica(redisUrl: string) {
  const shared = await RedisCache.open({ url: redisUrl, refreshMs: 0 })
  const cache: AudioCache = new TieredCache(new MemoryCache({ maxBytes: 1 << 26 }), shared)
  const outcomes: LeaseOutcome[] = []
  const fleet = new FleetLease({ url: redisUrl, onOutcome: (o) => outcomes.push(o) })
  const counted = countingEngine(engine)
  closers.push(() => cache.close(), () => fleet.close())
  const speech = new SpeechService({ engine: counted, cache, fleet, tracer: trace.getTracer('test'), logger: pino({ level: 'silent' }) })
  return { speech, engine: counted, outcomes }
}

const format = parseOpenAIFormat('wav')
if (!format.ok) throw new Error('wav must be supported')
const request = (text: string): SpeechRequest => ({ text, voice: resolveVoice('alloy')!, format: format.spec, speed: 1, model: 'tts-1' })

async function bytesOf(service: SpeechService, text: string): Promise<Uint8Array> {
  const result = await service.speak(request(text))
  const chunks: Uint8Array[] = []
  for await (const chunk of result.chunks) chunks.push(chunk)
  return new Uint8Array(Buffer.concat(chunks))
}

test('identical concurrent requests on two replicas are synthesised once between them', async () => {
  const [a, b] = [await replica(redis.url), await replica(redis.url)]
  const texts = Array.from({ length: 6 }, (_, i) => `Replica burst text number ${i + 1}, ${crypto.randomUUID().slice(0, 6)}.`)
  // Each text three times on each replica, all at once.
  const work = texts.flatMap((text) => [a, b, a, b, a, b].map((r) => bytesOf(r.speech, text).then((bytes) => ({ text, bytes }))))
  const answers = await Promise.all(work)

  expect(a.engine.calls + b.engine.calls).toBe(texts.length)
  for (const text of texts) {
    const same = answers.filter((x) => x.text === text).map((x) => x.bytes)
    expect(same[0]!.length).toBeGreaterThan(10_000)
    // The audio is the same; only a streamed WAV header's size fields may still be placeholders.
    for (const bytes of same) expect(bytes.subarray(44)).toEqual(same[0]!.subarray(44))
  }
  const outcomes = [...a.outcomes, ...b.outcomes]
  expect(outcomes.filter((o) => o === 'leader').length).toBe(texts.length)
  expect(outcomes.filter((o) => o === 'shared').length).toBe(texts.length)
}, 30_000)

test('with Redis down, each replica synthesises on its own and every request is answered', async () => {
  const down = await startRedisServer()
  const [a, b] = [await replica(down.url), await replica(down.url)]
  await down.kill()
  const text = `Redis is down for this one ${crypto.randomUUID().slice(0, 6)}.`
  const [x, y] = await Promise.all([bytesOf(a.speech, text), bytesOf(b.speech, text)])
  for (const bytes of [x, y]) {
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('RIFF')
    expect(bytes.length).toBeGreaterThan(10_000)
  }
  expect(a.engine.calls).toBe(1)
  expect(b.engine.calls).toBe(1)
  expect([...a.outcomes, ...b.outcomes]).toEqual(['local', 'local'])
  await down.stop()
}, 30_000)

test("utterances are single-flighted across the fleet too, and the other replica replays the leader's pieces and word timings", async () => {
  const [a, b] = [await replica(redis.url), await replica(redis.url)]
  const pcm = parseOpenAIFormat('pcm')
  if (!pcm.ok) throw new Error('pcm must be supported')
  const text = `A greeting both replicas speak at once, ${crypto.randomUUID().slice(0, 6)}.`
  const utter = async (service: SpeechService) => {
    const result = await service.utter({ ...request(text), format: pcm.spec, alignment: true })
    const pieces = []
    for await (const piece of result.pieces) pieces.push(piece)
    return pieces
  }
  const [x, y] = await Promise.all([utter(a.speech), utter(b.speech)])
  expect(a.engine.calls + b.engine.calls).toBe(1)
  const words = (pieces: typeof x) => pieces.flatMap((p) => p.boundaries ?? []).filter((w) => w.kind === 'word')
  expect(words(x).length).toBeGreaterThan(5)
  expect(words(y)).toEqual(words(x))
  expect(Buffer.concat(y.map((p) => p.bytes))).toEqual(Buffer.concat(x.map((p) => p.bytes)))
  expect([...a.outcomes, ...b.outcomes].sort()).toEqual(['leader', 'shared'])
}, 30_000)
