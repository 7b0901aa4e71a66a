/**
 * Loudness inside the worker that holds an utterance's PCM (an espeak worker, or an encode
 * worker for an upstream's PCM): every chunk a job emits passes a LoudnessStage
 * (audio/loudness-stage.ts) on its way out, before it is encoded, so the utterance is
 * measured (and, with a target, given one gain) where the samples already are.
 */
import { LoudnessStage, VoiceLoudness, type LoudnessResult } from '../../audio/loudness-stage.ts'
import type { JobContext } from '../worker-host.ts'
import type { WorkerChunk } from './worker-chunk.ts'

/** What a job asks of the loudness stage. */
export interface LoudnessRequest {
  /** Normalise to this integrated loudness (TTS_LOUDNESS_TARGET_LUFS); absent: measure only. */
  targetLufs?: number
  /** Whose loudness this thread remembers for the next utterance of this voice. */
  voiceKey: string
  /** ...and of any voice of this engine not heard yet (an engine's voices differ by a few LU). */
  engineKey: string
}

export interface LoudnessContext {
  ctx: JobContext<WorkerChunk>
  /** Lets held chunks out; returns the utterance's loudness. Call when the job ended normally. */
  finish(): LoudnessResult
}

/** Voices this thread has heard: their loudness gives the next utterance its gain at once. */
const VOICES = new VoiceLoudness()

/**
 * Wraps `ctx` so every chunk is measured, and normalised when asked, before it leaves.
 *
 * @example
 * const loudness = loudnessContext(encoding.ctx, 22050, { targetLufs: -16, voiceKey: 'en-us+f3', engineKey: 'espeak' })
 * speakSentences(request, loudness.ctx, speak)
 * reportLoudness(loudness.finish())
 */
export function loudnessContext(ctx: JobContext<WorkerChunk>, sampleRate: number, request: LoudnessRequest): LoudnessContext {
  const prior = request.targetLufs === undefined ? undefined : (VOICES.get(request.voiceKey) ?? VOICES.get(request.engineKey))
  const stage = new LoudnessStage<WorkerChunk>(sampleRate, {
    ...(request.targetLufs !== undefined && { targetLufs: request.targetLufs }),
    ...(prior !== undefined && { prior }),
  })
  // Each chunk's own samples buffer moves to the receiver (the encoder copies what it keeps).
  const send = (chunk: WorkerChunk) => ctx.emit(chunk, chunk.samples.byteLength > 0 ? [chunk.samples.buffer] : [])
  return {
    ctx: {
      cancelled: ctx.cancelled,
      emit(chunk) {
        for (const out of stage.push(chunk)) send(out)
      },
    },
    finish() {
      for (const out of stage.end()) send(out)
      const result = stage.result()
      if (result.lufs !== undefined) {
        VOICES.update(request.voiceKey, result.lufs)
        VOICES.update(request.engineKey, result.lufs)
      }
      return result
    },
  }
}
