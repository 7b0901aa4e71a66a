import { afterAll, describe, expect, test } from 'bun:test'
import { concatBytes } from '../../audio/bytes.ts'
import { parseElevenLabsFormat, parseOpenAIFormat, type AudioFormatSpec, type FormatLookup } from '../../audio/formats.ts'
import { oggPackets, readOggPages } from '../../audio/ogg/ogg-reader.ts'
import { tone } from '../../../test/support/audio-decoders.ts'
import { EngineBusyError, EngineUnavailableError } from '../engine.ts'
import { EncodePool } from './encode-pool.ts'
import { inProcessEncoders, type EncoderSource } from './stream-encoder.ts'

function specOf(r: FormatLookup): AudioFormatSpec {
  if (!r.ok) throw new Error(r.message)
  return r.spec
}

const RATE = 24000
const FORMATS = [
  ['opus', specOf(parseOpenAIFormat('opus'))],
  ['aac', specOf(parseOpenAIFormat('aac'))],
  ['mp3 at another rate', specOf(parseElevenLabsFormat('mp3_44100_128'))],
] as const

/** Upstream-like PCM: pieces of uneven length, as a network body arrives. */
function pieces(): Int16Array[] {
  const sizes = [480, 7000, 1, 12000, 2400, 333, 9000]
  return sizes.map((n, i) => tone(220 + 110 * i, n / RATE, RATE))
}

/**
 * The bytes, except that every Ogg stream gets a random serial number (and so its own page
 * checksums): Ogg Opus is compared page by page (flags, granule, sequence) and packet by packet.
 */
function comparable(bytes: Uint8Array, format: AudioFormatSpec): unknown {
  if (format.container !== 'opus') return Buffer.from(bytes).toString('base64')
  const pages = readOggPages(bytes)
  return { pages: pages.map((p) => [p.flags, p.granule, p.sequence]), packets: oggPackets(pages).map((p) => Buffer.from(p).toString('base64')) }
}

async function encodeAll(source: EncoderSource, format: AudioFormatSpec, input: Int16Array[]) {
  const encoder = await source.open(format, RATE)
  const chunks: Uint8Array[] = []
  for (const samples of input) chunks.push((await encoder.write(samples.slice())).slice())
  const end = await encoder.end()
  return { chunks: [...chunks, end.tail], whole: end.whole }
}

const pools: EncodePool[] = []
function pool(options: Partial<ConstructorParameters<typeof EncodePool>[0]> = {}): EncodePool {
  const p = new EncodePool({ workers: 1, maxStreams: 16, ...options })
  pools.push(p)
  return p
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()))
})

describe('the encode pool', () => {
  test.each(FORMATS)('encodes %s chunk for chunk identical to encoding on the event loop (Ogg: but for its random serial)', async (_name, format) => {
    const input = pieces()
    const here = await encodeAll(inProcessEncoders(), format, input)
    const there = await encodeAll(pool(), format, input)
    expect(there.chunks.map((c) => c.byteLength)).toEqual(here.chunks.map((c) => c.byteLength))
    expect(comparable(concatBytes(there.chunks), format)).toEqual(comparable(concatBytes(here.chunks), format))
    expect(comparable(there.whole, format)).toEqual(comparable(here.whole, format))
  })

  test('keeps each of many interleaved streams in order on one worker', async () => {
    const shared = pool({ workers: 1 })
    const format = FORMATS[0][1]
    const inputs = [0, 1, 2, 3].map((k) => pieces().map((p) => p.map((s) => s >> k)))
    const expected = await Promise.all(inputs.map((input) => encodeAll(inProcessEncoders(), format, input)))
    const actual = await Promise.all(inputs.map((input) => encodeAll(shared, format, input)))
    for (const [i, got] of actual.entries()) expect(comparable(got.whole, format)).toEqual(comparable(expected[i]!.whole, format))
    expect(shared.workers).toBe(1)
  })

  test('lets the event loop run while a long clip encodes, where encoding in place does not', async () => {
    const format = FORMATS[1][1]
    const clip = tone(330, 10, RATE)
    // Turns of the event loop that happen while `write` is pending.
    const turnsDuring = async (source: EncoderSource) => {
      const encoder = await source.open(format, RATE)
      let turns = 0
      let ticking = true
      const tick = () => {
        if (!ticking) return
        turns++
        setImmediate(tick)
      }
      setImmediate(tick)
      const writing = encoder.write(clip.slice())
      // In place, the whole clip was encoded before write returned: no turn could run.
      const before = turns
      await writing
      ticking = false
      await encoder.end()
      return { before, turns }
    }
    const here = await turnsDuring(inProcessEncoders())
    const there = await turnsDuring(pool())
    expect(here.turns).toBe(0)
    expect(there.before).toBe(0)
    expect(there.turns).toBeGreaterThan(0)
  })

  test('starts no worker until the first stream', async () => {
    const idle = pool({ workers: 2 })
    expect(idle.workers).toBe(0)
    await (await idle.open(FORMATS[0][1], RATE)).end()
    expect(idle.workers).toBe(2)
  })

  test('frees the encoder of a stream that is aborted midway', async () => {
    const p = pool()
    const abort = new AbortController()
    const encoder = await p.open(FORMATS[0][1], RATE, abort.signal)
    await encoder.write(tone(440, 0.5, RATE))
    expect(await p.encodersInUse()).toEqual([1])
    abort.abort(new Error('client gone'))
    await expect(encoder.write(tone(440, 0.5, RATE))).rejects.toThrow('client gone')
    encoder.close()
    expect(p.streams).toBe(0)
    expect(await p.encodersInUse()).toEqual([0])
  })

  test('refuses a stream beyond its bound instead of queueing without limit', async () => {
    const p = pool({ maxStreams: 2 })
    const format = FORMATS[0][1]
    const a = await p.open(format, RATE)
    const b = await p.open(format, RATE)
    expect(await p.open(format, RATE).then(() => undefined, (err: unknown) => err)).toBeInstanceOf(EngineBusyError)
    a.close()
    const c = await p.open(format, RATE)
    b.close()
    c.close()
    expect(p.streams).toBe(0)
    expect(await p.encodersInUse()).toEqual([0])
  })

  test('a stream whose encoder the worker no longer holds fails as unavailable (503), and the worker goes on', async () => {
    const p = pool()
    const format = FORMATS[0][1]
    const gone = await p.open(format, RATE)
    await gone.end()
    const failed = await gone.write(tone(440, 0.1, RATE)).then(() => undefined, (err: unknown) => err)
    expect(failed).toBeInstanceOf(EngineUnavailableError)
    const next = await encodeAll(p, format, pieces())
    expect(next.whole.byteLength).toBeGreaterThan(0)
  })
})
