/**
 * An Engine backed by a pool of espeak-ng workers. Both espeak engines (WASM and
 * native) are this adapter with a different worker script and rate window.
 */
import type { Engine, PcmChunk, SpeechReading, SynthesisOptions, Voice } from '../../engine.ts'
import { splitSentences } from '../../text.ts'
import { renderEspeak } from '../../../markup/render-espeak.ts'
import { SourceBoundaries } from '../../../markup/source-boundaries.ts'
import { MappedTextBuilder } from '../../../markup/source-map.ts'
import type { SpeechDoc } from '../../../markup/speech-doc.ts'
import { UnknownVoiceError, VOICES } from './espeak-voices.ts'
import { WorkerPool, type PoolEngineOptions } from '../../worker-pool.ts'
import { ESPEAK_SAMPLE_RATE, planSpeed, type EspeakRequest, type EspeakSentence } from './espeak-job.ts'
import type { WorkerChunk } from '../../encoding/worker-chunk.ts'

export interface EspeakEngineSpec {
  name: string
  workerUrl: URL
  /** Words-per-minute window the engine honours; speeds beyond it are time-stretched. */
  rates: { min: number; max: number }
  /** Passed to each worker's setup. */
  init?: unknown
}

export const MIN_SPEED = 0.25
export const MAX_SPEED = 4

/** espeak-ng reads SSML natively but says "$3.50" digit by digit: clean-up says numbers for it. */
export const ESPEAK_READING: SpeechReading = { normalizesText: false, render: renderEspeak }

/**
 * The document as espeak-ng's job: one SSML string per sentence (or piece of one between two
 * pauses), and our exact silences, laid end to end so each has its own offsets, with the map
 * that takes an offset in them back to the client's text.
 */
function ssmlSentences(doc: SpeechDoc): { sentences: EspeakSentence[]; toSource: SourceBoundaries } {
  const all = new MappedTextBuilder()
  const sentences: EspeakSentence[] = []
  const pieces = renderEspeak(doc).pieces
  pieces.forEach((piece, i) => {
    if (piece.type === 'silence') {
      sentences.push({ text: '', offset: all.length, silenceMs: piece.ms })
      return
    }
    // espeak-ng's own end pause would lengthen the pause of ours that follows.
    const endPause = pieces[i + 1]?.type !== 'silence'
    sentences.push({ text: piece.text.text, offset: all.length, ...(!endPause && { endPause }) })
    all.copyMapped(piece.text)
  })
  return { sentences, toSource: new SourceBoundaries(all.build()) }
}

/**
 * @example
 * const engine = createEspeakEngine(
 *   { name: 'espeak-wasm', workerUrl: new URL('./espeak-wasm.worker.ts', import.meta.url), rates: { min: 80, max: 450 } },
 *   { workers: 2, maxQueue: 64 },
 * )
 */
export function createEspeakEngine(spec: EspeakEngineSpec, options: PoolEngineOptions): Engine {
  const pool = new WorkerPool<EspeakRequest, WorkerChunk>({
    url: spec.workerUrl,
    size: options.workers,
    maxQueue: options.maxQueue,
    jobTimeoutMs: options.jobTimeoutMs,
    init: spec.init,
    nice: options.nice ?? 0,
    ...(options.models && { models: options.models, modelId: options.modelId ?? spec.name }),
    ...(options.onLoudness && { onLoudness: options.onLoudness }),
  })
  const targetLufs = options.loudnessTargetLufs
  return {
    name: spec.name,
    speech: () => ESPEAK_READING,
    async *synthesize(text: string, voice: Voice, options: SynthesisOptions, signal?: AbortSignal): AsyncGenerator<PcmChunk> {
      const markup = options.speech ? ssmlSentences(options.speech) : undefined
      const sentences = markup ? markup.sentences : splitSentences(text)
      if (sentences.length === 0) return
      const speed = Math.min(MAX_SPEED, Math.max(MIN_SPEED, options.speed ?? 1))
      const { rate, stretch } = planSpeed(speed, spec.rates)
      const loudness = { voiceKey: voice.engineVoice, engineKey: spec.name, ...(targetLufs !== undefined && { targetLufs }) }
      const request: EspeakRequest = {
        sentences,
        voice: voice.engineVoice,
        rate,
        stretch,
        loudness,
        ...(options.format && { format: options.format }),
        ...(markup && { ssml: true }),
      }
      try {
        for await (const chunk of pool.run(request, { signal })) {
          yield {
            samples: chunk.samples,
            sampleRate: ESPEAK_SAMPLE_RATE,
            boundaries: markup ? markup.toSource.map(chunk.boundaries) : chunk.boundaries,
            ...(chunk.encoded && { encoded: chunk.encoded, sampleCount: chunk.sampleCount ?? 0 }),
            ...(chunk.whole && { whole: chunk.whole, encodeMs: chunk.encodeMs ?? 0 }),
          }
        }
      } catch (err) {
        // Worker errors arrive as plain Errors carrying the original name.
        if (err instanceof Error && err.name === 'UnknownVoiceError' && !(err instanceof UnknownVoiceError)) {
          throw new UnknownVoiceError(voice.engineVoice)
        }
        throw err
      }
    },
    voices: () => VOICES,
    warmup: () => pool.warmup(),
    stats: () => pool.stats(),
    close: () => pool.close(),
  }
}
