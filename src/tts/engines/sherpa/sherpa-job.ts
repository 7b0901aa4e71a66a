/**
 * One synthesis job in a sherpa worker: sentence by sentence, so the first sentence's
 * audio leaves while the rest is still being computed; encoded in the worker when the
 * job names a format, like espeak's workers do.
 */
import type { AudioFormatSpec } from '../../../audio/formats.ts'
import type { Sentence } from '../../text.ts'
import { reportLoudness, type JobContext } from '../../worker-host.ts'
import type { WorkerChunk } from '../../encoding/worker-chunk.ts'
import { loudnessContext, type LoudnessRequest } from '../../encoding/loudness-context.ts'
import { encodingContext } from '../../encoding/worker-encoding.ts'
import { measureWords } from './word-timings.ts'

export interface SherpaRequest {
  sentences: Sentence[]
  /** The model's speaker id (Piper speaker, Kokoro voice). */
  speakerId: number
  /** Speaking rate multiplier, already within what the engine accepts. */
  speed: number
  /** When set, the worker encodes and sends bytes instead of samples. */
  format?: AudioFormatSpec
  /** When set, the utterance is measured (BS.1770) before encoding, and normalised to a target if it has one. */
  loudness?: LoudnessRequest
}

/** Synthesises one sentence; float samples in [-1, 1] at the model's rate (empty when nothing was spoken). */
export type GenerateFn = (text: string, speakerId: number, speed: number) => Float32Array

/**
 * @example
 * serveJobs<SherpaInit, SherpaRequest, WorkerChunk>(() => (request, ctx) => runSherpaJob(request, ctx, generate, 22050))
 */
export async function runSherpaJob(request: SherpaRequest, ctx: JobContext<WorkerChunk>, generate: GenerateFn, sampleRate: number): Promise<void> {
  const encoding = request.format && (await encodingContext(ctx, request.format, sampleRate))
  try {
    const sink = encoding ? encoding.ctx : ctx
    const loudness = request.loudness && loudnessContext(sink, sampleRate, request.loudness)
    await speakSentences(request, loudness?.ctx ?? sink, generate, sampleRate)
    if (ctx.cancelled()) return
    if (loudness) reportLoudness(loudness.finish())
    encoding?.finish()
  } finally {
    encoding?.close()
  }
}

async function speakSentences(request: SherpaRequest, ctx: JobContext<WorkerChunk>, generate: GenerateFn, sampleRate: number): Promise<void> {
  let emitted = 0
  for (const sentence of request.sentences) {
    if (ctx.cancelled()) return
    const samples = toInt16(generate(sentence.text, request.speakerId, request.speed))
    if (samples.length === 0) continue
    const boundaries = measureWords(sentence, samples, sampleRate, emitted)
    emitted += samples.length
    ctx.emit({ samples, boundaries }, [samples.buffer])
    // Back to the event loop between sentences: a worker process reads its cancel message here.
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** Float samples to 16-bit, clipped. */
export function toInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length)
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!
    out[i] = s >= 1 ? 32767 : s <= -1 ? -32768 : Math.round(s * 32767)
  }
  return out
}
