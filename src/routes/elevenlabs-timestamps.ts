/**
 * ElevenLabs' "with timing" endpoints:
 *   POST /v1/text-to-speech/{voice_id}/with-timestamps         → {audio_base64, alignment, normalized_alignment}
 *   POST /v1/text-to-speech/{voice_id}/stream/with-timestamps  → the same, one JSON object per line, as audio is ready
 * Alignment is `{characters, character_start_times_seconds, character_end_times_seconds}`
 * from the engine's measured word boundaries (see tts/alignment.ts), in seconds from the
 * start of the audio. Cached like any speech: the audio with its pieces' layout and word
 * boundaries, so a hit answers with the same alignment.
 */
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../app-env.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import { alignChunk, toSeconds, type SecondsAlignment } from '../tts/alignment.ts'
import type { Boundary } from '../tts/engine.ts'
import type { SpeechPiece } from '../tts/speech-piece.ts'
import type { SpeechService, UtteranceResult } from '../tts/speech-service.ts'
import { readElevenLabsRequest, recordGeneration, type ElevenLabsRoutesDeps } from './elevenlabs.ts'
import { ignoredHeader } from './ignored-header.ts'
import { streamedBody } from './streamed-body.ts'

export interface TimestampRoutesDeps extends Pick<ElevenLabsRoutesDeps, 'resolveVoice' | 'maxInputChars' | 'logText' | 'cacheSkipPattern' | 'stitching'> {
  speech: Pick<SpeechService, 'utter'>
  metrics?: Metrics
}

interface TimedChunk {
  bytes: Uint8Array
  alignment: SecondsAlignment
}

/** Aligns each piece as it leaves, one piece of lookahead: a piece's last word ends where the next measured word starts. */
async function* timedChunks(text: string, pieces: AsyncIterable<SpeechPiece>): AsyncGenerator<TimedChunk> {
  const boundaries: Boundary[] = []
  let start = 0
  let textFrom = 0
  let pending: SpeechPiece | undefined
  const flush = (final: boolean): TimedChunk | undefined => {
    if (!pending) return undefined
    const { bytes, samples, sampleRate } = pending
    const { alignment, textEnd } = alignChunk({ text, boundaries, sampleRate, chunkStart: start, chunkEnd: start + samples, fromText: textFrom, final })
    const out = { bytes, alignment: toSeconds(alignment, (start * 1000) / sampleRate) }
    textFrom = textEnd
    start += samples
    pending = undefined
    return out
  }
  for await (const piece of pieces) {
    boundaries.push(...(piece.boundaries ?? []))
    if (piece.bytes.byteLength === 0 && piece.samples === 0) continue
    const ready = flush(false)
    if (ready) yield ready
    pending = piece
  }
  const last = flush(true)
  if (last) yield last
}

const json = (chunk: TimedChunk) => ({
  audio_base64: Buffer.from(chunk.bytes).toString('base64'),
  alignment: chunk.alignment,
  normalized_alignment: chunk.alignment,
})

/** Which engine spoke, the generation's `request-id` (an upstream's, or ours), the cache's verdict. */
function answerHeaders(c: Context<AppEnv>, result: UtteranceResult, deps: TimestampRoutesDeps): Record<string, string> {
  const engine = result.engine?.()
  c.get('logFields').cache = result.cacheResult
  c.get('span').setAttribute('tts.cache.result', result.cacheResult)
  // Called once the first audio is in: usage knows whether this request made an engine speak.
  const characterCost = c.get('usage')?.served(result, c.get('bodyDone'))
  const headers = {
    'request-id': result.upstreamRequestId?.() ?? c.get('requestId'),
    'x-cache': result.cacheResult === 'cache_hit' ? 'HIT' : 'MISS',
    ...(engine && { 'x-tts-engine': engine }),
    ...(characterCost !== undefined && { 'character-cost': String(characterCost) }),
  }
  recordGeneration(deps, headers)
  return headers
}

/**
 * @example
 * app.route('/', elevenlabsTimestampRoutes({ speech, resolveVoice, maxInputChars: 4096, logText: false }))
 */
export function elevenlabsTimestampRoutes(deps: TimestampRoutesDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  /** Reads the request and asks for its audio with word timings, from the cache when it has them. */
  const utter = async (c: Context<AppEnv>) => {
    const request = await readElevenLabsRequest(c, deps)
    const result = await deps.speech.utter({ ...request, alignment: true, signal: c.req.raw.signal })
    const counted = result.cacheResult === 'cache_hit' ? 'cache_hit' : 'created'
    return { request, result, counted, headers: ignoredHeader(c, [...request.unknown, ...result.ignored]) } as const
  }

  app.post('/v1/text-to-speech/:voice_id/with-timestamps', async (c) => {
    const { request, result, counted, headers } = await utter(c)
    const parts: Uint8Array[] = []
    const merged: SecondsAlignment = { characters: [], character_start_times_seconds: [], character_end_times_seconds: [] }
    for await (const chunk of timedChunks(result.indexes, result.pieces)) {
      parts.push(chunk.bytes)
      merged.characters.push(...chunk.alignment.characters)
      merged.character_start_times_seconds.push(...chunk.alignment.character_start_times_seconds)
      merged.character_end_times_seconds.push(...chunk.alignment.character_end_times_seconds)
    }
    deps.metrics?.speechRequests.inc({ result: counted })
    return c.json(json({ bytes: Buffer.concat(parts), alignment: merged }), 200, { ...headers, ...answerHeaders(c, result, deps) })
  })

  app.post('/v1/text-to-speech/:voice_id/stream/with-timestamps', async (c: Context<AppEnv>) => {
    const { request, result, counted, headers } = await utter(c)
    const encoder = new TextEncoder()
    const body = await streamedBody(c, timedChunks(result.indexes, result.pieces), {
      frame: (chunk) => encoder.encode(`${JSON.stringify(json(chunk))}\n`),
      onComplete: () => deps.metrics?.speechRequests.inc({ result: counted }),
      ...(deps.metrics && { metrics: deps.metrics }),
    })
    // The first chunk is in by now (streamedBody waits for it): its engine is known.
    return new Response(body, { headers: { 'content-type': 'application/x-ndjson', ...headers, ...answerHeaders(c, result, deps) } })
  })

  return app
}
