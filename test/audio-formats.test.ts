/**
 * Every format both APIs name, through both official SDKs against the real service, decoded
 * by ffprobe/ffmpeg: Opus in Ogg and AAC in ADTS, batch and streamed, ElevenLabs' whole
 * output_format list, the cache serving Opus and AAC byte-identical, and Opus packets on /v1/stream.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ElevenLabs, ElevenLabsClient } from '@elevenlabs/elevenlabs-js'
import OpenAI from 'openai'
import { readAdtsFrames } from '../src/audio/aac/adts.ts'
import { opusHead, opusTags } from '../src/audio/opus/ogg-opus.ts'
import { OggPageWriter } from '../src/audio/ogg/ogg-pages.ts'
import { oggPackets, readOggPages } from '../src/audio/ogg/ogg-reader.ts'
import { envelope, opusToc, probedKbps, similarity } from './support/audio-checks.ts'
import { probeAudio } from './support/ffprobe.ts'
import { startService, type RunningService } from './support/service.ts'
import { WsClient } from './support/ws-client.ts'

let svc: RunningService
let openai: OpenAI
let eleven: ElevenLabsClient

beforeAll(async () => {
  svc = await startService()
  openai = new OpenAI({ baseURL: `${svc.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  eleven = new ElevenLabsClient({ baseUrl: svc.url, apiKey: 'unused', maxRetries: 0 })
})
afterAll(async () => {
  expect(await svc.stop()).toBe(0)
}, 30_000)

const TEXT = 'Opus is what voice products send over the network. Every format should decode at the rate it names.'

async function collect(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; chunks: Uint8Array[] }> {
  const chunks: Uint8Array[] = []
  for await (const part of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(part)
  return { bytes: new Uint8Array(Buffer.concat(chunks)), chunks }
}

/** The WAV of `text`: every other format's duration and speech envelope are held to it. */
const references = new Map<string, { seconds: number; envelope: number[] }>()
async function reference(voice: string, text: string): Promise<{ seconds: number; envelope: number[] }> {
  const key = `${voice}\n${text}`
  if (!references.has(key)) {
    const { bytes } = await collect(await eleven.textToSpeech.convert(voice, { text, outputFormat: 'wav_24000' }))
    references.set(key, { seconds: (await probeAudio(bytes, 'wav')).decodedSeconds, envelope: envelope(bytes, 'wav') })
  }
  return references.get(key)!
}
const referenceSeconds = async (voice: string, text: string) => (await reference(voice, text)).seconds

/** How ffmpeg reads an ElevenLabs output_format, and what it must report. */
function expected(name: string): { ext: string; codec: string; rate: number; rawRate?: number; kbps?: number } {
  const [codec, rate, kbps] = name.split('_')
  const r = Number(rate)
  switch (codec) {
    case 'mp3': return { ext: 'mp3', codec: 'mp3', rate: r === 44100 && kbps === '32' ? 22050 : r, kbps: Number(kbps) }
    case 'opus': return { ext: 'opus', codec: 'opus', rate: 48000, kbps: Number(kbps) }
    case 'wav': return { ext: 'wav', codec: 'pcm_s16le', rate: r }
    case 'pcm': return { ext: 'pcm', codec: 'pcm_s16le', rate: r, rawRate: r }
    case 'ulaw': return { ext: 'ulaw', codec: 'pcm_mulaw', rate: r, rawRate: r }
    case 'alaw': return { ext: 'alaw', codec: 'pcm_alaw', rate: r, rawRate: r }
    default: throw new Error(`no expectation for ${name}`)
  }
}

type SpeechParams = Parameters<typeof openai.audio.speech.create>[0]

/** TEXT in `format` and as WAV through the openai SDK, with the WAV's decoded length. */
async function speakWithWav(voice: SpeechParams['voice'], format: SpeechParams['response_format']) {
  const speak = (f: SpeechParams['response_format']) => openai.audio.speech.create({ model: 'tts-1', voice, input: TEXT, response_format: f })
  const res = await speak(format)
  const bytes = new Uint8Array(await res.arrayBuffer())
  const wav = new Uint8Array(await (await speak('wav')).arrayBuffer())
  return { res, bytes, wav, reference: (await probeAudio(wav, 'wav')).decodedSeconds }
}

describe('OpenAI response_format opus through the openai SDK', () => {
  test('is Ogg Opus at 48 kHz mono, 32 kbps, as long as the WAV of the same text', async () => {
    const { res, bytes, wav, reference } = await speakWithWav('alloy', 'opus')
    expect(res.headers.get('content-type')).toBe('audio/ogg')
    const audio = await probeAudio(bytes, 'opus')
    expect(audio).toMatchObject({ codec: 'opus', sampleRate: 48000, channels: 1 })
    expect(Math.abs(audio.decodedSeconds - reference) / reference).toBeLessThan(0.05)
    expect(similarity(envelope(bytes, 'opus'), envelope(wav, 'wav'))).toBeGreaterThan(0.9)
    expect(Math.abs(probedKbps(bytes, 'opus') - 32) / 32).toBeLessThan(0.15)
  }, 30_000)

  test.each([
    ['mp3', 'mp3', 'mp3', 24000],
    ['opus', 'opus', 'opus', 48000],
    ['aac', 'aac', 'aac', 24000],
    ['flac', 'flac', 'flac', 24000],
    ['wav', 'wav', 'pcm_s16le', 24000],
    ['pcm', 'pcm', 'pcm_s16le', 24000],
  ] as const)('%s decodes at its rate, mono, with the speech of the WAV', async (format, ext, codec, rate) => {
    const { bytes, wav, reference } = await speakWithWav('echo', format)
    const raw = format === 'pcm' ? 24000 : undefined
    expect(await probeAudio(bytes, ext, raw)).toMatchObject({ codec, sampleRate: rate, channels: 1 })
    const seconds = (await probeAudio(bytes, ext, raw)).decodedSeconds
    expect(Math.abs(seconds - reference) / reference).toBeLessThan(0.05)
    expect(similarity(envelope(bytes, ext, raw), envelope(wav, 'wav'))).toBeGreaterThan(0.9)
  }, 30_000)

  test('the streamed body sends Ogg pages as they are encoded, the first long before the end', async () => {
    const long = Array.from({ length: 12 }, (_, i) => `This is sentence number ${i + 1} of a long answer.`).join(' ')
    const res = await openai.audio.speech.create({ model: 'tts-1', voice: 'nova', input: long, response_format: 'opus' })
    const { bytes, chunks } = await collect(res.body as unknown as ReadableStream<Uint8Array>)
    expect(chunks.length).toBeGreaterThan(2)
    // The first chunk is whole pages on its own (headers, then audio), not the start of a buffered file.
    const first = readOggPages(chunks[0]!)
    expect(first[0]!.flags & 0x02).toBe(0x02)
    const pages = readOggPages(bytes)
    expect(pages.filter((p) => p.flags & 0x04)).toEqual([pages.at(-1)!])
    expect(first.length).toBeLessThan(pages.length / 2)
    expect((await probeAudio(bytes, 'opus')).decodedSeconds).toBeGreaterThan(10)
  }, 30_000)
})

describe('OpenAI response_format aac through the openai SDK', () => {
  test('is AAC-LC in ADTS at 24 kHz mono, 64 kbps, as long as the WAV of the same text', async () => {
    const { res, bytes, wav, reference } = await speakWithWav('shimmer', 'aac')
    expect(res.headers.get('content-type')).toBe('audio/aac')
    const audio = await probeAudio(bytes, 'aac')
    expect(audio).toMatchObject({ codec: 'aac', sampleRate: 24000, channels: 1 })
    for (const frame of readAdtsFrames(bytes)) expect(frame).toMatchObject({ profile: 2, sampleRate: 24000, channels: 1 })
    // One frame of encoder delay and one of padding at most: under 90 ms longer.
    expect(audio.decodedSeconds).toBeGreaterThan(reference)
    expect(audio.decodedSeconds - reference).toBeLessThan(0.09)
    expect(similarity(envelope(bytes, 'aac'), envelope(wav, 'wav'))).toBeGreaterThan(0.9)
    expect(Math.abs(probedKbps(bytes, 'aac') - 64) / 64).toBeLessThan(0.15)
  }, 30_000)

  test('the streamed body sends ADTS frames as they are encoded, the first long before the end', async () => {
    const long = Array.from({ length: 12 }, (_, i) => `This is AAC sentence number ${i + 1} of a long answer.`).join(' ')
    const res = await openai.audio.speech.create({ model: 'tts-1', voice: 'nova', input: long, response_format: 'aac' })
    const { bytes, chunks } = await collect(res.body as unknown as ReadableStream<Uint8Array>)
    expect(chunks.length).toBeGreaterThan(2)
    // The first chunk is whole frames on its own, not the start of a buffered file.
    const first = readAdtsFrames(chunks[0]!)
    expect(first.length).toBeLessThan(readAdtsFrames(bytes).length / 2)
    expect((await probeAudio(bytes, 'aac')).decodedSeconds).toBeGreaterThan(10)
  }, 30_000)

  test('a cached AAC file is served byte-identical', async () => {
    const input = `Cache me as AAC ${crypto.randomUUID().slice(0, 8)}.`
    const speak = () => openai.audio.speech.create({ model: 'tts-1', voice: 'alloy', input, response_format: 'aac' })
    const first = await speak()
    const firstBytes = new Uint8Array(await first.arrayBuffer())
    const second = await speak()
    expect([first.headers.get('x-cache'), second.headers.get('x-cache')]).toEqual(['MISS', 'HIT'])
    expect(new Uint8Array(await second.arrayBuffer())).toEqual(firstBytes)
    expect((await probeAudio(firstBytes, 'aac')).codec).toBe('aac')
  }, 30_000)
})

describe("ElevenLabs output_format through the ElevenLabs SDK", () => {
  // Every value the SDK lets a client send to text-to-speech convert (2.73: 28 of them).
  const names = Object.values(ElevenLabs.TextToSpeechConvertRequestOutputFormat)

  test('the SDK list holds every Opus rate and the telephony formats', () => {
    expect(names).toEqual(expect.arrayContaining(['opus_48000_32', 'opus_48000_192', 'alaw_8000', 'pcm_8000', 'pcm_48000', 'mp3_44100_192']))
  })

  test.each(names)('%s decodes at its named rate, mono, as long as the WAV', async (name) => {
    const { bytes } = await collect(await eleven.textToSpeech.convert('en-us-f1', { text: TEXT, outputFormat: name }))
    const want = expected(name)
    const audio = await probeAudio(bytes, want.ext, want.rawRate)
    expect(audio).toMatchObject({ codec: want.codec, sampleRate: want.rate, channels: 1 })
    const wav = await reference('en-us-f1', TEXT)
    expect(Math.abs(audio.decodedSeconds - wav.seconds) / wav.seconds).toBeLessThan(0.05)
    // The same speech, not just the same length: the loudness follows the WAV's, word by word.
    expect(similarity(envelope(bytes, want.ext, want.rawRate), wav.envelope)).toBeGreaterThan(0.9)
    // Constant bitrate, so the file's bitrate is the named one (plus a little container overhead).
    if (want.kbps) expect(Math.abs(probedKbps(bytes, want.ext) - want.kbps) / want.kbps).toBeLessThan(0.1)
  }, 30_000)

  test('stream with opus_48000_64 sends Ogg pages in several chunks that ffmpeg decodes', async () => {
    const { bytes, chunks } = await collect(
      await eleven.textToSpeech.stream('en-gb-m1', { text: 'First sentence here. Second sentence there. Third one too.', outputFormat: 'opus_48000_64' }),
    )
    expect(chunks.length).toBeGreaterThan(1)
    const audio = await probeAudio(bytes, 'opus')
    expect(audio).toMatchObject({ codec: 'opus', sampleRate: 48000 })
    const reference = await referenceSeconds('en-gb-m1', 'First sentence here. Second sentence there. Third one too.')
    expect(Math.abs(audio.decodedSeconds - reference) / reference).toBeLessThan(0.05)
  }, 30_000)

  test('an unknown output_format is a 400 in ElevenLabs shape naming the valid ones', async () => {
    const res = await fetch(`${svc.url}/v1/text-to-speech/en-us-f1?output_format=opus_48000_999`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Hello.' }),
    })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { detail: { status: string; message: string } }
    expect(body.detail.status).toBe('invalid_output_format')
    expect(body.detail.message).toContain('opus_48000_32')
  }, 30_000)

  test('a cached Opus file is served byte-identical, and another bitrate is another entry', async () => {
    const text = `Cache me as Opus ${crypto.randomUUID().slice(0, 8)}.`
    const fetchOpus = (format: string) =>
      fetch(`${svc.url}/v1/text-to-speech/en-us-f1?output_format=${format}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      })
    const first = await fetchOpus('opus_48000_64')
    const firstBytes = new Uint8Array(await first.arrayBuffer())
    const second = await fetchOpus('opus_48000_64')
    const secondBytes = new Uint8Array(await second.arrayBuffer())
    expect([first.headers.get('x-cache'), second.headers.get('x-cache')]).toEqual(['MISS', 'HIT'])
    expect(secondBytes).toEqual(firstBytes)
    const other = await fetchOpus('opus_48000_96')
    expect(other.headers.get('x-cache')).toBe('MISS')
    expect(probedKbps(new Uint8Array(await other.arrayBuffer()), 'opus')).toBeGreaterThan(80)
  }, 30_000)
})

test('no format label or log field ever carries the raw format a client sent', async () => {
  const bogus = `zz${crypto.randomUUID().slice(0, 8)}`
  await fetch(`${svc.url}/v1/text-to-speech/en-us-f1?output_format=${bogus}`, { method: 'POST', body: '{"text":"x"}', headers: { 'content-type': 'application/json' } })
  await fetch(`${svc.url}/v1/audio/speech`, { method: 'POST', body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'x', response_format: bogus }), headers: { 'content-type': 'application/json' } })
  const metrics = await (await fetch(`${svc.url}/metrics`)).text()
  expect(metrics).not.toContain(bogus)
})

describe('/v1/stream with format opus', () => {
  test('sends one 20 ms Opus packet per binary frame, which ffmpeg decodes once put in Ogg', async () => {
    const client = new WsClient(`${svc.url.replace('http', 'ws')}/v1/stream`)
    await client.opened
    client.send({ type: 'start', voice: 'en-us-f1', format: 'opus', bitrate_kbps: 48 })
    const started = await client.next((m) => m.kind === 'text')
    expect((started as { json: any }).json).toMatchObject({ type: 'started', format: 'opus', sample_rate: 48000, bitrate_kbps: 48 })
    client.send({ type: 'text', text: 'Packets for a browser. ' })
    client.send({ type: 'text', text: 'One frame at a time.' })
    client.send({ type: 'close' })
    expect((await client.closed).code).toBe(1000)
    const frames = client.messages.filter((m) => m.kind === 'binary').map((m) => m.data as Uint8Array)
    expect(frames.length).toBeGreaterThan(50)
    const packets = frames.map((f) => f.subarray(4))
    for (const packet of packets) expect(opusToc(packet)).toEqual({ ms: 20, frames: 1 })
    // Sequence numbers never go back: the packets of one chunk share one.
    const seqs = frames.map((f) => new DataView(f.buffer, f.byteOffset).getUint32(0))
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    // Wrapped into Ogg by our own muxer (pre-skip as libopus reports it), ffmpeg plays them.
    const ogg = new OggPageWriter(7)
    const file = Buffer.concat([
      ogg.pages([{ data: opusHead(312), granule: 0n }], { bos: true }),
      ogg.pages([{ data: opusTags(), granule: 0n }]),
      ogg.pages(packets.map((data, i) => ({ data, granule: BigInt((i + 1) * 960) })), { eos: true }),
    ])
    const audio = await probeAudio(new Uint8Array(file), 'opus')
    expect(audio).toMatchObject({ codec: 'opus', sampleRate: 48000, channels: 1 })
    expect(audio.decodedSeconds).toBeCloseTo((packets.length * 960 - 312) / 48000, 1)
    const reference = await referenceSeconds('en-us-f1', 'Packets for a browser. One frame at a time.')
    expect(audio.decodedSeconds).toBeGreaterThan(reference * 0.95)
    expect(oggPackets(readOggPages(new Uint8Array(file))).length).toBe(packets.length + 2)
  }, 30_000)

  test('opus at another sample rate, or a bitrate for pcm, is refused with 1008', async () => {
    for (const start of [
      { type: 'start', voice: 'alloy', format: 'opus', sample_rate: 24000 },
      { type: 'start', voice: 'alloy', format: 'pcm', bitrate_kbps: 32 },
      { type: 'start', voice: 'alloy', format: 'opus', bitrate_kbps: 1000 },
    ]) {
      const client = new WsClient(`${svc.url.replace('http', 'ws')}/v1/stream`)
      await client.opened
      client.send(start)
      const error = (await client.next((m) => m.kind === 'text')) as { json: any }
      expect(error.json.type).toBe('error')
      expect((await client.closed).code).toBe(1008)
    }
  }, 30_000)
})

describe('ElevenLabs stream-input with opus_48000_64', () => {
  test('the audio messages, appended, are one Ogg Opus stream across the pieces of text', async () => {
    const text = 'First piece of text. Second piece, a little longer than the first. Third and last.'
    const client = new WsClient(`${svc.url.replace('http', 'ws')}/v1/text-to-speech/en-us-f1/stream-input?output_format=opus_48000_64&auto_mode=true`)
    await client.opened
    client.send({ text: ' ' })
    client.send({ text: `${text} `, try_trigger_generation: true })
    client.send({ text: '' })
    await client.next((m) => m.kind === 'text' && m.json?.isFinal === true)
    expect((await client.closed).code).toBe(1000)
    const audio = client.json().filter((j) => j.audio).map((j) => Buffer.from(j.audio, 'base64'))
    expect(audio.length).toBeGreaterThanOrEqual(3)
    // The first message starts the stream; every later one is pages of the same stream.
    const pages = readOggPages(new Uint8Array(Buffer.concat(audio)))
    expect(pages.filter((p) => p.flags & 0x02)).toHaveLength(1)
    expect(new Set(pages.map((p) => p.serial)).size).toBe(1)
    expect(pages.map((p) => p.sequence)).toEqual(pages.map((_, i) => i))
    for (const message of audio) expect(readOggPages(new Uint8Array(message)).length).toBeGreaterThan(0)
    const decoded = await probeAudio(new Uint8Array(Buffer.concat(audio)), 'opus')
    expect(decoded).toMatchObject({ codec: 'opus', sampleRate: 48000, channels: 1 })
    const wav = await referenceSeconds('en-us-f1', text)
    // Each piece adds the encoder's lookahead and up to one packet of padding.
    expect(decoded.decodedSeconds).toBeGreaterThan(wav * 0.95)
    expect(decoded.decodedSeconds).toBeLessThan(wav * 1.05 + 0.03 * audio.length)
  }, 30_000)
})
