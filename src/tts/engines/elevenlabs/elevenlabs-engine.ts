/**
 * An ElevenLabs upstream (ElevenLabs itself, or anything speaking its API, such as another
 * tts-edge): `POST {url}/v1/text-to-speech/{voice_id}/stream?output_format=...`, voices
 * from `GET {url}/v1/voices`. An `output_format` ElevenLabs names streams straight through;
 * anything else is asked for as pcm_24000 and encoded here.
 */
import { parseElevenLabsFormat, type AudioFormatSpec } from '../../../audio/formats.ts'
import type { PcmChunk, SpeechReading, SynthesisOptions, Voice } from '../../engine.ts'
import { renderElevenLabs } from '../../../markup/render-elevenlabs.ts'
import { SourceBoundaries } from '../../../markup/source-boundaries.ts'
import { plainDoc } from '../../../markup/speech-doc.ts'
import { findModel } from '../../models.ts'
import type { RoutedEngine } from '../router/routed-engine.ts'
import { isAudioType, upstreamAudio } from '../upstream/upstream-audio.ts'
import { observe } from '../../../telemetry/metrics.ts'
import { elevenlabsSupport, httpBody, httpQuery, linkOpening, linkQuery } from './elevenlabs-wire.ts'
import { SessionLinks } from './session-links.ts'
import { timestampedPieces } from './timestamped-pieces.ts'
import type { UpstreamClientDeps } from '../upstream/upstream-client.ts'
import { upstreamParts } from '../upstream/upstream-engine.ts'
import { guessGender, guessLanguage } from '../upstream/voice-catalogue.ts'
import type { ElevenLabsEngineSettings } from './elevenlabs-settings.ts'

const PCM_RATE = 24000

/**
 * @example
 * const eleven = createElevenLabsEngine({ name: 'eleven', kind: 'elevenlabs', url: 'https://api.elevenlabs.io', apiKey, ... }, { tracer })
 */
export function createElevenLabsEngine(settings: ElevenLabsEngineSettings, deps: UpstreamClientDeps): RoutedEngine {
  const base = settings.url.replace(/\/+$/, '')
  const auth: Record<string, string> = settings.apiKey ? { 'xi-api-key': settings.apiKey } : {}
  const { client, catalogue, lifecycle } = upstreamParts(settings, deps, `${base}/v1/voices`, auth, parseVoices)
  const links = new SessionLinks(client, deps)
  const reading: SpeechReading = { normalizesText: settings.normalizes_text, render: (doc) => renderElevenLabs(doc) }
  const support = elevenlabsSupport(settings.stream_input)
  const modelFor = (options: SynthesisOptions) =>
    settings.model ?? (options.model && findModel(options.model)?.vendor === 'elevenlabs' ? options.model : 'eleven_multilingual_v2')

  /** A sentence of a streaming session, over the session's stream-input link (PCM, encoded here). */
  async function* throughStreamInput(text: string, voice: Voice, options: SynthesisOptions, signal?: AbortSignal): AsyncGenerator<PcmChunk> {
    const link = await links.get(options.session!, voice.engineVoice, () => ({
      engine: settings.name,
      // SSML parsing on: rendered text carries <break> and <phoneme> (its words are XML-escaped, renderElevenLabs).
      url: `${base.replace(/^http/, 'ws')}/v1/text-to-speech/${encodeURIComponent(voice.engineVoice)}/stream-input?${linkQuery(modelFor(options), `pcm_${PCM_RATE}`, options)}`,
      headers: auth,
      opening: linkOpening(options),
      sampleRate: PCM_RATE,
      // ElevenLabs closes a stream-input socket after 20 s without text: a space every 15 s keeps it.
      keepAliveMs: 15_000,
      idleTimeoutMs: settings.first_byte_timeout_ms,
    }))
    const metrics = deps.metrics
    metrics?.upstreamCharacters.inc({ engine: settings.name }, text.length)
    // Per sentence, as for HTTP calls: first audio and duration (the socket's own span covers the session).
    const started = performance.now()
    const seconds = () => (performance.now() - started) / 1000
    let outcome: 'ok' | 'error' | 'cancelled' = 'cancelled'
    let first = true
    try {
      for await (const chunk of upstreamAudio(link.speak(text, signal), {
        ...(options.format && { format: options.format }),
        passthrough: false,
        sampleRate: PCM_RATE,
        textLength: text.length,
        speaker: { engine: settings.name, voice: voice.engineVoice },
        ...(deps.encoders && { encoders: deps.encoders }),
        ...(signal && { signal }),
      })) {
        if (first && metrics) observe(metrics.upstreamFirstByte, { engine: settings.name }, seconds())
        first = false
        yield chunk
      }
      outcome = 'ok'
    } catch (err) {
      outcome = signal?.aborted ? 'cancelled' : 'error'
      throw err
    } finally {
      if (metrics) observe(metrics.upstreamDuration, { engine: settings.name, outcome }, seconds())
    }
  }

  /** One HTTP call to the upstream's stream (or stream/with-timestamps) route. */
  async function* throughHttp(text: string, voice: Voice, options: SynthesisOptions, signal?: AbortSignal): AsyncGenerator<PcmChunk> {
    // With alignment wanted: the upstream's own timings, on PCM we encode (exact sample counts).
    const timed = options.alignment === true
    const passName = options.format && !timed ? passthroughFormat(options.format) : undefined
    const outputFormat = passName ?? `pcm_${PCM_RATE}`
    const model = modelFor(options)
    const stream = await client.open({
      url: `${base}/v1/text-to-speech/${encodeURIComponent(voice.engineVoice)}/stream${timed ? '/with-timestamps' : ''}?${httpQuery(outputFormat, options)}`,
      headers: auth,
      body: httpBody(text, model, options),
      characters: text.length,
      acceptsType: timed ? isJsonLines : isAudioType,
      ...(signal && { signal }),
    })
    const sampleRate = passName ? options.format!.sampleRate : PCM_RATE
    const pieces = timed ? timestampedPieces(stream.chunks, { engine: settings.name, text, sampleRate }) : stream.chunks
    yield* upstreamAudio(pieces, {
      ...(options.format && { format: options.format }),
      passthrough: passName !== undefined,
      sampleRate,
      textLength: text.length,
      speaker: { engine: settings.name, voice: voice.engineVoice },
      ...(deps.encoders && { encoders: deps.encoders }),
      ...(signal && { signal }),
      ...(stream.headers.get('request-id') && { requestId: stream.headers.get('request-id')!.slice(0, 200) }),
    })
  }

  return {
    name: settings.name,
    params: () => support,
    speech: () => reading,
    async *synthesize(text: string, voice: Voice, options: SynthesisOptions, signal?: AbortSignal): AsyncGenerator<PcmChunk> {
      const linked = options.session !== undefined && settings.stream_input
      // With speech: the one text ElevenLabs reads, tags inline, mapped back to the client's text. A
      // stream-input link parses SSML, so even plain text goes there escaped (and mapped back).
      const speech = options.speech ?? (linked ? plainDoc(text) : undefined)
      const rendered = speech ? renderElevenLabs(speech, { xml: linked }).pieces[0] : undefined
      if (speech && rendered?.type !== 'speech') return
      const input = rendered?.type === 'speech' ? rendered.text.text : text
      const toSource = rendered?.type === 'speech' ? new SourceBoundaries(rendered.text) : undefined
      const chunks = linked ? throughStreamInput(input, voice, options, signal) : throughHttp(input, voice, options, signal)
      for await (const chunk of chunks) {
        if (toSource && chunk.boundaries) chunk.boundaries = toSource.map(chunk.boundaries)
        yield chunk
      }
    },
    voices: () => catalogue.list(),
    resolve(id) {
      const known = catalogue.find(id)
      if (known || catalogue.authoritative) return known
      return { id, name: id, language: 'und', gender: guessGender(undefined, id), engineVoice: id }
    },
    scope: () => `elevenlabs|${base}|${settings.model ?? ''}`,
    ...lifecycle,
  }
}

/** JSON lines, as ElevenLabs (application/json) and tts-edge (application/x-ndjson) stream timestamps. */
function isJsonLines(contentType: string): boolean {
  return /json/i.test(contentType)
}

/** The ElevenLabs `output_format` that is exactly `format`, if there is one. */
function passthroughFormat(format: AudioFormatSpec): string | undefined {
  const lookup = parseElevenLabsFormat(format.name)
  if (!lookup.ok) return undefined
  const s = lookup.spec
  return s.container === format.container && s.sampleRate === format.sampleRate && s.bitrateKbps === format.bitrateKbps ? format.name : undefined
}

/** ElevenLabs' `{voices:[{voice_id,name,labels,verified_languages}]}`. */
function parseVoices(json: unknown): Voice[] {
  const list = (json as { voices?: unknown })?.voices
  if (!Array.isArray(list)) throw new Error('voices: unexpected response shape')
  const voices: Voice[] = []
  for (const item of list.slice(0, 5000)) {
    const entry = item as { voice_id?: unknown; name?: unknown; description?: unknown; labels?: Record<string, unknown>; verified_languages?: { language?: unknown }[] }
    const id = typeof entry.voice_id === 'string' ? entry.voice_id.slice(0, 200) : ''
    if (!id || id.includes(':')) continue
    const label = entry.labels?.language ?? entry.verified_languages?.[0]?.language
    voices.push({
      id,
      name: String(entry.name ?? id).slice(0, 200),
      language: guessLanguage(label, id),
      gender: guessGender(entry.labels?.gender, id),
      engineVoice: id,
      ...(typeof entry.description === 'string' && entry.description && { description: entry.description.slice(0, 500) }),
    })
  }
  return voices
}
