/**
 * ElevenLabs' "with timing" endpoints:
 *   POST /v1/text-to-speech/{voice_id}/with-timestamps         → {audio_base64, alignment, normalized_alignment}
 *   POST /v1/text-to-speech/{voice_id}/stream/with-timestamps  → the same, one JSON object per line, as audio is ready
 * Alignment is `{characters, character_start_times_seconds, character_end_times_seconds}`
 * from the engine's measured word boundaries (see tts/alignment.ts), in seconds from the
 * start of the audio. These responses are not cached: the cache holds audio only.
 */
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../app-env.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import { alignChunk, toSeconds, type SecondsAlignment } from '../tts/alignment.ts'
import type { Boundary, Engine, SynthesisOptions } from '../tts/engine.ts'
import { resolveParams } from '../tts/params/resolve-params.ts'
import { HONOURS_NOTHING } from '../tts/params/voice-params.ts'
import { readElevenLabsRequest, type ElevenLabsRequest, type ElevenLabsRoutesDeps } from './elevenlabs.ts'
import { ignoredHeader } from './ignored-header.ts'
import { streamedBody } from './streamed-body.ts'

export interface TimestampRoutesDeps extends Pick<ElevenLabsRoutesDeps, 'resolveVoice' | 'maxInputChars' | 'logText' | 'cacheSkipPattern'> {
  engine: Engine
  metrics?: Metrics
}

/** Which configured engine spoke, and the upstream generation's id when one made the audio. */
interface Spoke {
  engine?: string
  requestId?: string
}

interface TimedChunk {
  bytes: Uint8Array
  alignment: SecondsAlignment
}

/**
 * Synthesises with the engine (encoding in its worker) and aligns each chunk as it leaves;
 * `spoke` learns which configured engine produced the audio (engine router only).
 */
async function* timedChunks(engine: Engine, request: ElevenLabsRequest, signal: AbortSignal, spoke: Spoke = {}): AsyncGenerator<TimedChunk> {
  const boundaries: Boundary[] = []
  let start = 0
  let textFrom = 0
  let pending: { bytes: Uint8Array; count: number; rate: number } | undefined
  const flush = (final: boolean): TimedChunk | undefined => {
    if (!pending) return undefined
    const { bytes, count, rate } = pending
    const { alignment, textEnd } = alignChunk({ text: request.text, boundaries, sampleRate: rate, chunkStart: start, chunkEnd: start + count, fromText: textFrom, final })
    const out = { bytes, alignment: toSeconds(alignment, (start * 1000) / rate) }
    textFrom = textEnd
    start += count
    pending = undefined
    return out
  }
  const options: SynthesisOptions = {
    speed: request.speed,
    format: request.format,
    model: request.model,
    alignment: true,
    params: request.params,
    ...(request.retention === 'none' && { retention: 'none' }),
  }
  for await (const chunk of engine.synthesize(request.text, request.voice, options, signal)) {
    boundaries.push(...(chunk.boundaries ?? []))
    spoke.engine ??= chunk.engine
    spoke.requestId ??= chunk.upstreamRequestId
    const bytes = chunk.encoded ?? new Uint8Array(chunk.samples.buffer, chunk.samples.byteOffset, chunk.samples.byteLength)
    const count = chunk.sampleCount ?? chunk.samples.length
    // One chunk of lookahead: a chunk's last word ends where the next measured word starts.
    if (bytes.byteLength === 0 && count === 0) continue
    const ready = flush(false)
    if (ready) yield ready
    pending = { bytes, count, rate: chunk.sampleRate }
  }
  const last = flush(true)
  if (last) yield last
}

const json = (chunk: TimedChunk) => ({
  audio_base64: Buffer.from(chunk.bytes).toString('base64'),
  alignment: chunk.alignment,
  normalized_alignment: chunk.alignment,
})

/**
 * @example
 * app.route('/', elevenlabsTimestampRoutes({ engine, resolveVoice, maxInputChars: 4096, logText: false }))
 */
export function elevenlabsTimestampRoutes(deps: TimestampRoutesDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  /** The request with only the parameters its engine honours, and the header naming the rest. */
  const read = async (c: Context<AppEnv>) => {
    const request = await readElevenLabsRequest(c, deps)
    const { honoured, ignored } = resolveParams(request.params, deps.engine.params?.(request.voice) ?? HONOURS_NOTHING)
    return { request: { ...request, params: honoured }, headers: { 'request-id': c.get('requestId'), ...ignoredHeader(c, [...request.unknown, ...ignored]) } }
  }

  app.post('/v1/text-to-speech/:voice_id/with-timestamps', async (c) => {
    const { request, headers } = await read(c)
    const parts: Uint8Array[] = []
    const merged: SecondsAlignment = { characters: [], character_start_times_seconds: [], character_end_times_seconds: [] }
    const spoke: Spoke = {}
    for await (const chunk of timedChunks(deps.engine, request, c.req.raw.signal, spoke)) {
      parts.push(chunk.bytes)
      merged.characters.push(...chunk.alignment.characters)
      merged.character_start_times_seconds.push(...chunk.alignment.character_start_times_seconds)
      merged.character_end_times_seconds.push(...chunk.alignment.character_end_times_seconds)
    }
    deps.metrics?.speechRequests.inc({ result: 'created' })
    return c.json(json({ bytes: Buffer.concat(parts), alignment: merged }), 200, { ...headers, ...(spoke.engine && { 'x-tts-engine': spoke.engine }), ...(spoke.requestId && { 'request-id': spoke.requestId }) })
  })


  app.post('/v1/text-to-speech/:voice_id/stream/with-timestamps', async (c: Context<AppEnv>) => {
    const { request, headers } = await read(c)
    const encoder = new TextEncoder()
    const spoke: Spoke = {}
    const body = await streamedBody(c, timedChunks(deps.engine, request, c.req.raw.signal, spoke), {
      frame: (chunk) => encoder.encode(`${JSON.stringify(json(chunk))}\n`),
      onComplete: () => deps.metrics?.speechRequests.inc({ result: 'created' }),
      ...(deps.metrics && { metrics: deps.metrics }),
    })
    // The first chunk is in by now (streamedBody waits for it): its engine is known.
    return new Response(body, { headers: { 'content-type': 'application/x-ndjson', ...headers, ...(spoke.engine && { 'x-tts-engine': spoke.engine }), ...(spoke.requestId && { 'request-id': spoke.requestId }) } })
  })

  return app
}
