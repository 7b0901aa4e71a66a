import { describe, expect, test } from 'bun:test'
import { resampledLength } from './duration.ts'
import {
  ALL_ELEVENLABS_FORMATS,
  ALL_OPENAI_FORMATS,
  ELEVENLABS_FORMATS,
  OPENAI_FORMATS,
  createEncoder,
  parseElevenLabsFormat,
  parseOpenAIFormat,
  type AudioFormatSpec,
  type FormatLookup,
} from './formats.ts'
import { decode, encodeInChunks, probe, tone, zeroCrossings } from '../../test/support/audio-decoders.ts'

function specOf(r: FormatLookup): AudioFormatSpec {
  if (!r.ok) throw new Error(r.message)
  return r.spec
}

/** How ffmpeg is told to read each container, and the codec it should report. */
function decoderView(spec: AudioFormatSpec): { ext: string; raw: string[]; codec: string } {
  const raw = (f: string) => ['-f', f, '-ar', String(spec.sampleRate), '-ac', '1']
  switch (spec.container) {
    case 'mp3': return { ext: 'mp3', raw: [], codec: 'mp3' }
    case 'wav': return { ext: 'wav', raw: [], codec: 'pcm_s16le' }
    case 'flac': return { ext: 'flac', raw: [], codec: 'flac' }
    case 'pcm': return { ext: 'pcm', raw: raw('s16le'), codec: 'pcm_s16le' }
    case 'ulaw': return { ext: 'ulaw', raw: raw('mulaw'), codec: 'pcm_mulaw' }
    case 'alaw': return { ext: 'alaw', raw: raw('alaw'), codec: 'pcm_alaw' }
    case 'opus': return { ext: 'opus', raw: [], codec: 'opus' }
    case 'aac': return { ext: 'aac', raw: [], codec: 'aac' }
    default: throw new Error(`no decoder view for ${spec.container}`)
  }
}

async function checkRoundTrip(spec: AudioFormatSpec, inputRate: number): Promise<void> {
  const input = tone(440, 1.5, inputRate)
  const enc = await createEncoder(spec, inputRate)
  const bytes = enc.finalize(encodeInChunks(enc, input))
  const view = decoderView(spec)
  const p = await probe(bytes, view.ext, view.raw)
  expect(p).toMatchObject({ codecName: view.codec, sampleRate: spec.sampleRate, channels: 1 })
  const pcm = await decode(bytes, view.ext, view.raw)
  const expected = resampledLength(input.length, inputRate, spec.sampleRate)
  if (spec.container === 'mp3') {
    // LAME's encoder delay and last-frame padding add a little.
    expect(pcm.length).toBeGreaterThanOrEqual(expected)
    expect((pcm.length - expected) / spec.sampleRate).toBeLessThan(0.12)
  } else if (spec.container === 'aac') {
    // One frame of encoder delay, and the last 1024-sample frame padded with silence (aac.ts).
    expect(pcm.length).toBeGreaterThanOrEqual(expected + 1024)
    expect(pcm.length - expected).toBeLessThan(2048)
  } else {
    expect(pcm.length).toBe(expected)
  }
  const r = spec.sampleRate
  expect(Math.abs(zeroCrossings(pcm, Math.round(0.2 * r), Math.round(1.2 * r)) - 880)).toBeLessThanOrEqual(2)
}

describe('format registry', () => {
  test('Opus is Ogg at 48 kHz with the named bitrate (OpenAI names none: 32 kbps)', () => {
    expect(specOf(parseOpenAIFormat('opus'))).toMatchObject({ container: 'opus', sampleRate: 48000, bitrateKbps: 32, contentType: 'audio/ogg' })
    expect(specOf(parseElevenLabsFormat('opus_48000_192'))).toMatchObject({ container: 'opus', sampleRate: 48000, bitrateKbps: 192 })
  })

  test('OpenAI defaults to mp3 at 24 kHz; wav and pcm are 24 kHz', () => {
    expect(specOf(parseOpenAIFormat(undefined))).toMatchObject({ container: 'mp3', sampleRate: 24000, contentType: 'audio/mpeg' })
    expect(specOf(parseOpenAIFormat('wav'))).toMatchObject({ sampleRate: 24000, contentType: 'audio/wav', fileExtension: 'wav' })
    expect(specOf(parseOpenAIFormat('pcm'))).toMatchObject({ container: 'pcm', sampleRate: 24000 })
  })

  test('ElevenLabs names carry rate and bitrate; the default is mp3_44100_128', () => {
    expect(specOf(parseElevenLabsFormat(undefined))).toMatchObject({ container: 'mp3', sampleRate: 44100, bitrateKbps: 128 })
    expect(specOf(parseElevenLabsFormat('ulaw_8000'))).toMatchObject({ container: 'ulaw', sampleRate: 8000, contentType: 'audio/basic' })
    expect(specOf(parseElevenLabsFormat('pcm_16000'))).toMatchObject({ container: 'pcm', sampleRate: 16000 })
  })

  test('AAC is ADTS at 24 kHz, 64 kbps, audio/aac', () => {
    expect(specOf(parseOpenAIFormat('aac'))).toMatchObject({ container: 'aac', sampleRate: 24000, bitrateKbps: 64, contentType: 'audio/aac', fileExtension: 'aac' })
  })

  test('unknown names are refused with a message naming every supported one', () => {
    const unknown = parseOpenAIFormat('ogg')
    expect(unknown).toMatchObject({ ok: false, reason: 'unknown' })
    if (!unknown.ok) for (const name of OPENAI_FORMATS) expect(unknown.message).toContain(name)
    expect(parseElevenLabsFormat('mp3_8000_8')).toMatchObject({ ok: false, reason: 'unknown' })
    expect(parseElevenLabsFormat('opus_48000_999')).toMatchObject({ ok: false, reason: 'unknown' })
  })

  test('every name either API defines is served', () => {
    expect(OPENAI_FORMATS).toEqual(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'])
    expect(OPENAI_FORMATS).toEqual(ALL_OPENAI_FORMATS)
    expect(ELEVENLABS_FORMATS).toEqual(ALL_ELEVENLABS_FORMATS)
  })
})

describe('every supported format decodes with a real decoder (1.5 s of 440 Hz in uneven chunks)', () => {
  test.each(OPENAI_FORMATS.map((n) => [n]))('OpenAI %s', async (name) => {
    await checkRoundTrip(specOf(parseOpenAIFormat(name)), 22050)
  })

  test.each(ELEVENLABS_FORMATS.map((n) => [n]))('ElevenLabs %s', async (name) => {
    await checkRoundTrip(specOf(parseElevenLabsFormat(name)), 22050)
  })

  test.each([[16000], [24000], [48000]])('engines at %d Hz too', async (rate) => {
    for (const name of ['mp3', 'wav', 'flac', 'opus', 'aac']) await checkRoundTrip(specOf(parseOpenAIFormat(name)), rate)
    await checkRoundTrip(specOf(parseElevenLabsFormat('ulaw_8000')), rate)
  })
})
