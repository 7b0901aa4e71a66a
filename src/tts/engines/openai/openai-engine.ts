/**
 * An OpenAI-compatible upstream (OpenAI, Kokoro-FastAPI, LocalAI, Speaches, another
 * tts-edge): `POST {url}/audio/speech`, voices from `GET {url}/audio/voices` when the
 * server has it. Audio in the format asked for streams straight through; other formats are
 * asked for as pcm (24 kHz s16le) and encoded here.
 */
import { parseOpenAIFormat, type AudioFormatSpec } from '../../../audio/formats.ts'
import type { PcmChunk, SpeechReading, SynthesisOptions, Voice } from '../../engine.ts'
import { renderText } from '../../../markup/render-text.ts'
import { spokenPieces } from '../upstream/spoken-pieces.ts'
import { findModel } from '../../models.ts'
import { OPENAI_VOICE_NAMES } from './openai-voices.ts'
import { supports } from '../../params/voice-params.ts'
import { mixParts } from '../../voice-mix.ts'
import type { RoutedEngine } from '../router/routed-engine.ts'
import { isAudioType, upstreamAudio } from '../upstream/upstream-audio.ts'
import type { UpstreamClientDeps } from '../upstream/upstream-client.ts'
import { upstreamParts } from '../upstream/upstream-engine.ts'
import { guessGender, guessLanguage } from '../upstream/voice-catalogue.ts'
import type { OpenAIEngineSettings } from './openai-settings.ts'

/** OpenAI's API produces everything at 24 kHz. */
const OPENAI_RATE = 24000

// OpenAI's own voice names: what an OpenAI-compatible server without a voices endpoint speaks.
const OPENAI_NAMES: Voice[] = OPENAI_VOICE_NAMES.map((v) => ({ ...v, engineVoice: v.id }))

/**
 * @example
 * const kokoro = createOpenAIEngine({ name: 'kokoro', kind: 'openai', url: 'http://kokoro:8880/v1', ... }, { tracer, metrics })
 * await kokoro.warmup()
 */
export function createOpenAIEngine(settings: OpenAIEngineSettings, deps: UpstreamClientDeps): RoutedEngine {
  const base = settings.url.replace(/\/+$/, '')
  const auth: Record<string, string> = settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}
  const { client, catalogue, lifecycle } = upstreamParts(settings, deps, `${base}/audio/voices`, auth, parseVoices)
  const phonemes = settings.phoneme_syntax ? { phonemeSyntax: settings.phoneme_syntax } : {}
  const reading: SpeechReading = { normalizesText: settings.normalizes_text, render: (doc) => renderText(doc, phonemes) }
  // Instructions and the fields the entry passes through are sent upstream, where they may change the audio.
  const support = supports(['instructions'], { passThrough: settings.pass_through })
  const find = (id: string) => catalogue.find(id) ?? OPENAI_NAMES.find((v) => v.id === id.toLowerCase())

  return {
    name: settings.name,
    params: () => support,
    speech: () => reading,
    // Not a generator itself: it hands on upstreamAudio's, one async layer less per chunk.
    synthesize(text: string, voice: Voice, options: SynthesisOptions, signal?: AbortSignal): AsyncIterable<PcmChunk> {
      const open = (input: string, responseFormat: string) =>
        client.open({
          url: `${base}/audio/speech`,
          headers: auth,
          body: {
            // The client's own fields first: none of them can stand in for one of OpenAI's (the route keeps those apart).
            ...options.params?.extra,
            model: settings.model ?? (options.model && findModel(options.model)?.vendor === 'openai' ? options.model : 'tts-1'),
            input,
            voice: voice.engineVoice,
            response_format: responseFormat,
            speed: options.speed ?? 1,
            ...(options.params?.instructions && { instructions: options.params.instructions }),
          },
          characters: input.length,
          acceptsType: isAudioType,
          ...(signal && { signal }),
        })
      const audio = {
        ...(options.format && { format: options.format }),
        sampleRate: OPENAI_RATE,
        speaker: { engine: settings.name, voice: voice.engineVoice },
        ...(deps.encoders && { encoders: deps.encoders }),
        ...(signal && { signal }),
      }
      const speech = options.speech
      if (speech) {
        // Text pieces as PCM, our own silence for each pause, encoded here as one stream (rendered at the first read).
        const body = async () => spokenPieces(reading.render(speech).pieces, OPENAI_RATE, async (input) => (await open(input, 'pcm')).chunks)
        return upstreamAudio(body, { ...audio, passthrough: false, textLength: 0 })
      }
      // Alignment needs exact sample counts, which only PCM we encode ourselves gives.
      const passName = options.format && !options.alignment ? passthroughFormat(options.format, settings.formats) : undefined
      const body = () => open(text, passName ?? 'pcm').then((stream) => stream.chunks)
      return upstreamAudio(body, { ...audio, passthrough: passName !== undefined, textLength: text.length })
    },
    voices: () => (catalogue.authoritative ? catalogue.list() : OPENAI_NAMES),
    resolve(id) {
      const known = find(id)
      if (known) return known
      // A mix (`af_bella(2)+af_sky(1)`) is the upstream's to blend: each part must be a voice of it.
      const parts = mixParts(id)
      if (parts && catalogue.authoritative) {
        const voices = parts.map(find)
        if (voices.some((v) => !v)) return undefined
        return { ...voices[0]!, id, name: id, engineVoice: id.replaceAll(/\s+/g, '') }
      }
      if (catalogue.authoritative) return undefined
      // No list to check against: the upstream decides (an unknown voice is its 4xx).
      return { id, name: id, language: guessLanguage(undefined, id), gender: guessGender(undefined, id), engineVoice: id }
    },
    scope: () => `openai|${base}|${settings.model ?? ''}`,
    ...lifecycle,
  }
}

/** The OpenAI `response_format` that is exactly `format`, when the upstream produces it. */
function passthroughFormat(format: AudioFormatSpec, produced: readonly string[]): string | undefined {
  for (const name of produced) {
    const lookup = parseOpenAIFormat(name)
    if (!lookup.ok) continue
    const s = lookup.spec
    if (s.container === format.container && s.sampleRate === format.sampleRate && s.bitrateKbps === format.bitrateKbps) return name
  }
  return undefined
}

/** `{voices:[...]}` or a bare list; entries as ids (Kokoro-FastAPI) or objects (tts-edge, Speaches). */
function parseVoices(json: unknown): Voice[] {
  const list = Array.isArray(json) ? json : (json as { voices?: unknown })?.voices
  if (!Array.isArray(list)) throw new Error('voices: unexpected response shape')
  const voices: Voice[] = []
  for (const item of list.slice(0, 5000)) {
    const entry = typeof item === 'string' ? { id: item } : (item as Record<string, unknown>)
    const id = String(entry.id ?? entry.voice_id ?? entry.name ?? '').slice(0, 200)
    if (!id || id.includes(':')) continue
    voices.push({
      id,
      name: String(entry.name ?? id).slice(0, 200),
      language: guessLanguage(entry.language ?? entry.lang, id),
      gender: guessGender(entry.gender, id),
      engineVoice: id,
    })
  }
  return voices
}
