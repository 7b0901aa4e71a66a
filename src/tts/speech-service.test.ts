import { afterAll, expect, test } from 'bun:test'
import { trace } from '@opentelemetry/api'
import pino from 'pino'
import { parseOpenAIFormat } from '../audio/formats.ts'
import type { CachedAudio } from '../cache/cache.ts'
import { MemoryCache } from '../cache/memory-cache.ts'
import { countingEngine } from '../../test/support/counting-engine.ts'
import { createEspeak } from './engines/espeak/espeak-variants.ts'
import { SpeechService, type SpeechRequest } from './speech-service.ts'
import { resolveVoice } from './engines/espeak/espeak-voices.ts'

const engine = createEspeak({ engine: 'espeak', workers: 1, maxQueue: 8 })
afterAll(() => engine.close())

/**
 * A memory cache whose writes and next lookup can be held open: how a failing Redis tier
 * looks from above (the lookup has read, but its answer comes late).
 */
class SlowCache extends MemoryCache {
  #writeGate: Promise<void> | undefined
  #getGate: Promise<void> | undefined
  #landed: (() => void) | undefined
  /** Resolves when the held lookup has read the cache. */
  lookupRead: Promise<void> = Promise.resolve()

  holdWrites(): () => void {
    let release = () => {}
    this.#writeGate = new Promise((resolve) => (release = resolve))
    return release
  }

  /** Resolves once the next write has landed. */
  nextWriteLanded(): Promise<void> {
    return new Promise((resolve) => (this.#landed = resolve))
  }

  holdNextLookup(): () => void {
    let release = () => {}
    this.#getGate = new Promise((resolve) => (release = resolve))
    return release
  }

  override async get(key: string): Promise<CachedAudio | undefined> {
    const gate = this.#getGate
    this.#getGate = undefined
    let read = () => {}
    if (gate) this.lookupRead = new Promise((resolve) => (read = resolve))
    const answer = await super.get(key)
    read()
    if (gate) await gate
    return answer
  }

  override async set(key: string, value: CachedAudio): Promise<void> {
    await this.#writeGate
    await super.set(key, value)
    this.#landed?.()
  }
}

const format = parseOpenAIFormat('wav')
if (!format.ok) throw new Error('wav must be supported')
const request = (text: string): SpeechRequest => ({ text, voice: resolveVoice('alloy')!, format: format.spec, speed: 1, model: 'tts-1' })

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0
  for await (const chunk of chunks) bytes += chunk.byteLength
  return bytes
}

test('a synthesis that finishes during a lookup that missed is served, not synthesised again', async () => {
  const cache = new SlowCache({ maxBytes: 1 << 24 })
  const counted = countingEngine(engine)
  const speech = new SpeechService({ engine: counted, cache, tracer: trace.getTracer('test'), logger: pino({ level: 'silent' }) })
  const text = 'Finished while the second lookup was out.'

  const releaseWrites = cache.holdWrites()
  const first = await speech.speak(request(text))
  const firstBytes = await drain(first.chunks)

  // The second lookup misses (the first file is not stored yet) and answers only after the
  // first request's cache write has landed and its synthesis has left the in-flight table.
  const releaseLookup = cache.holdNextLookup()
  const landed = cache.nextWriteLanded()
  const second = speech.speak(request(text))
  await cache.lookupRead
  releaseWrites()
  await landed
  setImmediate(releaseLookup) // after the microtasks that retire the finished synthesis

  const result = await second
  expect(result.cacheResult).toBe('cache_hit')
  expect(await drain(result.chunks)).toBe(firstBytes)
  expect(counted.calls).toBe(1)
}, 15_000)
