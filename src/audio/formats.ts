/**
 * The format registry: OpenAI `response_format` and ElevenLabs `output_format` names mapped to
 * one `AudioFormatSpec`, which names say "not implemented", and the encoder for a spec.
 */
import { AacEncoder } from './aac/aac.ts'
import type { AudioEncoder } from './encoder.ts'
import { FlacEncoder } from './flac.ts'
import { G711Encoder } from './g711.ts'
import { Mp3Encoder } from './mp3.ts'
import { OggOpusEncoder } from './opus/ogg-opus.ts'
import { OpusPacketStream } from './opus/opus-packet-stream.ts'
import { PcmEncoder } from './pcm.ts'
import { WavEncoder } from './wav.ts'

/** `opus` is Opus in Ogg; `opus_packets` is bare Opus packets, length-prefixed, for our WebSocket only. */
export type AudioContainer = 'mp3' | 'wav' | 'pcm' | 'ulaw' | 'alaw' | 'flac' | 'opus' | 'opus_packets' | 'aac'

export interface AudioFormatSpec {
  /** The name as the API spells it: `mp3`, `mp3_44100_128`, ... */
  readonly name: string
  readonly container: AudioContainer
  /** Sample rate of the produced stream. */
  readonly sampleRate: number
  readonly bitrateKbps?: number
  /** Value for the Content-Type header. */
  readonly contentType: string
  readonly fileExtension: string
  /** False when the name is valid for the API but this build cannot encode it (answer 400). */
  readonly implemented: boolean
}

const CONTAINER_INFO: Record<AudioContainer, { contentType: string; fileExtension: string; implemented: boolean }> = {
  mp3: { contentType: 'audio/mpeg', fileExtension: 'mp3', implemented: true },
  wav: { contentType: 'audio/wav', fileExtension: 'wav', implemented: true },
  pcm: { contentType: 'audio/pcm', fileExtension: 'pcm', implemented: true },
  ulaw: { contentType: 'audio/basic', fileExtension: 'ulaw', implemented: true },
  alaw: { contentType: 'audio/x-alaw-basic', fileExtension: 'alaw', implemented: true },
  flac: { contentType: 'audio/flac', fileExtension: 'flac', implemented: true },
  opus: { contentType: 'audio/ogg', fileExtension: 'opus', implemented: true },
  opus_packets: { contentType: 'audio/opus', fileExtension: 'opus', implemented: true },
  // ADTS frames, which need no container around them and so stream as they are encoded.
  aac: { contentType: 'audio/aac', fileExtension: 'aac', implemented: true },
}

function spec(name: string, container: AudioContainer, sampleRate: number, bitrateKbps?: number): AudioFormatSpec {
  const info = CONTAINER_INFO[container]
  return { name, container, sampleRate, ...(bitrateKbps === undefined ? {} : { bitrateKbps }), ...info }
}

/**
 * OpenAI serves everything at 24 kHz except Opus, which decodes at 48 kHz whatever went in; the
 * bitrates are ours (64 kbps mp3 or AAC-LC is transparent for mono speech at 24 kHz, 32 kbps Opus too).
 */
const OPENAI: ReadonlyMap<string, AudioFormatSpec> = new Map(
  [
    spec('mp3', 'mp3', 24000, 64),
    spec('opus', 'opus', 48000, 32),
    spec('aac', 'aac', 24000, 64),
    spec('flac', 'flac', 24000),
    spec('wav', 'wav', 24000),
    spec('pcm', 'pcm', 24000),
  ].map((s) => [s.name, s]),
)

/** Names as @elevenlabs/elevenlabs-js 2.73 lists them for text-to-speech. */
function elevenLabsSpec(name: string): AudioFormatSpec {
  const [codec, rate, kbps] = name.split('_') as [AudioContainer, string, string | undefined]
  const sampleRate = Number(rate)
  const bitrate = kbps === undefined ? undefined : Number(kbps)
  // LAME cannot carry 32 kbps at 44.1 kHz well and picks 22.05 kHz itself; say so instead of pretending.
  const actualRate = codec === 'mp3' && sampleRate === 44100 && bitrate === 32 ? 22050 : sampleRate
  return spec(name, codec, actualRate, bitrate)
}

const ELEVENLABS: ReadonlyMap<string, AudioFormatSpec> = new Map(
  [
    'mp3_22050_32', 'mp3_24000_48', 'mp3_44100_32', 'mp3_44100_64', 'mp3_44100_96', 'mp3_44100_128', 'mp3_44100_192',
    'pcm_8000', 'pcm_16000', 'pcm_22050', 'pcm_24000', 'pcm_32000', 'pcm_44100', 'pcm_48000',
    'wav_8000', 'wav_16000', 'wav_22050', 'wav_24000', 'wav_32000', 'wav_44100', 'wav_48000',
    'ulaw_8000', 'alaw_8000',
    'opus_48000_32', 'opus_48000_64', 'opus_48000_96', 'opus_48000_128', 'opus_48000_192',
  ].map((n) => [n, elevenLabsSpec(n)]),
)

export const DEFAULT_OPENAI_FORMAT = 'mp3'
export const DEFAULT_ELEVENLABS_FORMAT = 'mp3_44100_128'

function implementedNames(table: ReadonlyMap<string, AudioFormatSpec>): readonly string[] {
  return [...table.values()].filter((s) => s.implemented).map((s) => s.name)
}

/** `response_format` values this build serves, for error messages and the OpenAPI document. */
export const OPENAI_FORMATS: readonly string[] = implementedNames(OPENAI)
/** `output_format` values this build serves. */
export const ELEVENLABS_FORMATS: readonly string[] = implementedNames(ELEVENLABS)
/** Every name each API defines, implemented or not (for schemas that must accept them). */
export const ALL_OPENAI_FORMATS: readonly string[] = [...OPENAI.keys()]
export const ALL_ELEVENLABS_FORMATS: readonly string[] = [...ELEVENLABS.keys()]

export type FormatLookup =
  | { readonly ok: true; readonly spec: AudioFormatSpec }
  | {
      readonly ok: false
      /** `unknown`: not a name the API defines; `not_implemented`: valid name this build cannot encode. */
      readonly reason: 'unknown' | 'not_implemented'
      /** Ready for a 400 body, naming the supported formats. */
      readonly message: string
      readonly supported: readonly string[]
    }

function lookup(
  table: ReadonlyMap<string, AudioFormatSpec>,
  supported: readonly string[],
  param: string,
  value: string,
): FormatLookup {
  const found = table.get(value)
  if (found?.implemented) return { ok: true, spec: found }
  const list = supported.join(', ')
  return found
    ? { ok: false, reason: 'not_implemented', message: `${param} '${value}' is not supported by this server. Supported: ${list}.`, supported }
    : { ok: false, reason: 'unknown', message: `Invalid ${param} '${value}'. Supported: ${list}.`, supported }
}

/**
 * Resolve an OpenAI `response_format` (absent means mp3), telling unknown from not implemented.
 *
 * @example
 * const r = parseOpenAIFormat(body.response_format)
 * if (!r.ok) throw invalid('response_format', r.message, 'unsupported_format') // names OPENAI_FORMATS
 * const spec = r.spec // { container: 'mp3', sampleRate: 24000, bitrateKbps: 64, contentType: 'audio/mpeg', ... }
 */
export function parseOpenAIFormat(value: string | undefined | null): FormatLookup {
  return lookup(OPENAI, OPENAI_FORMATS, 'response_format', value ?? DEFAULT_OPENAI_FORMAT)
}

/**
 * Resolve an ElevenLabs `output_format` (absent means mp3_44100_128), telling unknown from not implemented.
 *
 * @example
 * const r = parseElevenLabsFormat(c.req.query('output_format'))
 * if (r.ok) r.spec // ulaw_8000 -> { container: 'ulaw', sampleRate: 8000, contentType: 'audio/basic', ... }
 */
export function parseElevenLabsFormat(value: string | undefined | null): FormatLookup {
  return lookup(ELEVENLABS, ELEVENLABS_FORMATS, 'output_format', value ?? DEFAULT_ELEVENLABS_FORMAT)
}

/**
 * Bare Opus packets at 48 kHz and `bitrateKbps` (no container), for `/v1/stream` clients that
 * feed a WebRTC-style decoder: split the encoded bytes with `splitOpusPackets`.
 *
 * @example
 * opusPacketsFormat(32) // { name: 'opus_packets_48000_32', container: 'opus_packets', sampleRate: 48000, ... }
 */
export function opusPacketsFormat(bitrateKbps: number): AudioFormatSpec {
  return spec(`opus_packets_48000_${bitrateKbps}`, 'opus_packets', 48000, bitrateKbps)
}

/**
 * A fresh encoder for one response (parse the name first: only implemented specs come here).
 * Asynchronous because the mp3 and AAC encoders are WebAssembly instances.
 *
 * @example
 * const enc = await createEncoder(spec, chunk.sampleRate)
 */
export async function createEncoder(spec: AudioFormatSpec, inputSampleRate: number): Promise<AudioEncoder> {
  switch (spec.container) {
    case 'mp3':
      return Mp3Encoder.create(inputSampleRate, spec.sampleRate, spec.bitrateKbps ?? 64)
    case 'wav':
      return new WavEncoder(inputSampleRate, spec.sampleRate)
    case 'pcm':
      return new PcmEncoder(inputSampleRate, spec.sampleRate)
    case 'ulaw':
    case 'alaw':
      return new G711Encoder(spec.container, inputSampleRate, spec.sampleRate)
    case 'flac':
      return new FlacEncoder(inputSampleRate, spec.sampleRate)
    case 'opus':
      return new OggOpusEncoder(inputSampleRate, spec.bitrateKbps ?? 32)
    case 'opus_packets':
      return new OpusPacketStream(inputSampleRate, spec.bitrateKbps ?? 32)
    case 'aac':
      return AacEncoder.create(inputSampleRate, spec.sampleRate, spec.bitrateKbps ?? 64)
  }
}
