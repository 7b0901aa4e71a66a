/**
 * What the two espeak-ng engines share: the job a worker receives, how speed maps to
 * espeak's words-per-minute, and the worker-side loop that turns espeak's callback
 * blocks and events into PcmChunks with boundaries. Only the way of calling espeak
 * (FFI or WASM) differs between the engines.
 */
import type { AudioFormatSpec } from '../../../audio/formats.ts'
import { concatSamples } from '../../../audio/pcm.ts'
import { encodingContext } from '../../encoding/worker-encoding.ts'
import type { WorkerChunk } from '../../encoding/worker-chunk.ts'
import { loudnessContext, type LoudnessRequest } from '../../encoding/loudness-context.ts'
import type { Boundary } from '../../engine.ts'
import type { Sentence } from '../../text.ts'
import { reportLoudness, type JobContext } from '../../worker-host.ts'
import { timeStretch } from './time-stretch.ts'

/** espeak-ng's native output rate. */
export const ESPEAK_SAMPLE_RATE = 22050
/** espeak's `-s` at speed 1. */
export const NORMAL_RATE = 175
/**
 * Chunks a worker posts hold at least this much audio (0.74 s; the first block goes at once,
 * it decides time to first audio). Both engines make it in milliseconds, so larger chunks
 * cost no latency, while every chunk costs the event loop a message, an encoder call and a
 * socket write: with 4096, a 200-word answer was 330 chunks.
 */
export const CHUNK_SAMPLES = 16384

/** A piece of a job: a sentence to say, or (with `silenceMs`) a pause to make exactly. */
export interface EspeakSentence extends Sentence {
  /** A pause of this length instead of speech (text then empty). */
  silenceMs?: number
  /** False when a pause of ours follows: espeak-ng adds none of its own at the end. */
  endPause?: boolean
}

export interface EspeakRequest {
  sentences: EspeakSentence[]
  /** When set, the worker encodes (see tts/encoding/worker-encoding.ts) and sends bytes instead of samples. */
  format?: AudioFormatSpec
  /** espeak voice selector, e.g. `en-us+f3`. */
  voice: string
  /** Words per minute handed to espeak (already within what the engine accepts). */
  rate: number
  /** Duration multiplier applied afterwards for speeds espeak cannot reach (1 = none). */
  stretch: number
  /** The sentences are SSML (markup/render-espeak.ts): espeak-ng reads them in its SSML mode. */
  ssml?: boolean
  /** Every utterance is measured (BS.1770) before encoding, and normalised when a target is set. */
  loudness: LoudnessRequest
}

/** One espeak callback event, decoded (the fields both struct layouts share). */
export interface EspeakEvent {
  type: number
  /** 1-based code point index into the synthesised text. */
  textPosition: number
  /** Length in code points (0 when espeak does not know). */
  length: number
  /** Sample index from the start of this synthesis call. */
  sample: number
}

export const EVENT_WORD = 1

/**
 * Maps a speed multiplier to an espeak rate plus the time-stretch that covers what the
 * rate window cannot.
 *
 * @example
 * planSpeed(4, { min: 80, max: 450 }) // { rate: 450, stretch: 0.642... }
 */
export function planSpeed(speed: number, limits: { min: number; max: number }): { rate: number; stretch: number } {
  const wanted = NORMAL_RATE * (Number.isFinite(speed) && speed > 0 ? speed : 1)
  if (wanted < limits.min) return { rate: limits.min, stretch: limits.min / wanted }
  if (wanted > limits.max) return { rate: limits.max, stretch: limits.max / wanted }
  return { rate: Math.round(wanted), stretch: 1 }
}

/**
 * Synthesises one piece of text: calls `onBlock` for each block of audio with the events
 * espeak reported alongside it; `onBlock` returns true to stop synthesis.
 */
export type SpeakFn = (
  text: string,
  voice: string,
  rate: number,
  onBlock: (samples: Int16Array, events: EspeakEvent[]) => boolean,
  ssml?: boolean,
  /** espeak-ng's own pause at the end of the text (default true). */
  endPause?: boolean,
) => void

/**
 * Runs one job in a worker: sentence by sentence, checking for cancellation between
 * sentences and inside espeak's callback. With `blockSamples` set, audio leaves in
 * blocks of at least that many samples (the first block at once); otherwise one chunk
 * per sentence. Sample offsets count from the start of the whole job.
 *
 * @example
 * // in a worker
 * serveJobs<unknown, EspeakRequest, WorkerChunk>(() => (request, ctx) => runEspeakJob(request, ctx, espeak.speak))
 */
export async function runEspeakJob(
  request: EspeakRequest,
  ctx: JobContext<WorkerChunk>,
  speak: SpeakFn,
  blockSamples = Number.POSITIVE_INFINITY,
): Promise<void> {
  if (!request.format) {
    const loudness = loudnessContext(ctx, ESPEAK_SAMPLE_RATE, request.loudness)
    speakSentences(request, loudness.ctx, speak, blockSamples)
    if (!ctx.cancelled()) reportLoudness(loudness.finish())
    return
  }
  const encoding = await encodingContext(ctx, request.format, ESPEAK_SAMPLE_RATE)
  try {
    const loudness = loudnessContext(encoding.ctx, ESPEAK_SAMPLE_RATE, request.loudness)
    speakSentences(request, loudness.ctx, speak, blockSamples)
    if (!ctx.cancelled()) {
      reportLoudness(loudness.finish())
      encoding.finish()
    }
  } finally {
    encoding.close()
  }
}

function speakSentences(request: EspeakRequest, ctx: JobContext<WorkerChunk>, speak: SpeakFn, blockSamples: number): void {
  let emitted = 0 // samples sent so far
  let carried: Boundary[] = [] // boundaries waiting for the chunk they start in
  const send = (samples: Int16Array, boundaries: Boundary[]) => {
    const end = emitted + samples.length
    const all = [...carried, ...boundaries]
    carried = all.filter((b) => b.sampleOffset >= end && samples.length > 0)
    ctx.emit({ samples, boundaries: all.filter((b) => !carried.includes(b)) }, [samples.buffer])
    emitted = end
  }
  for (const sentence of request.sentences) {
    if (ctx.cancelled()) return
    if (sentence.silenceMs !== undefined) {
      // Exact, whatever the speed: a pause the client timed.
      const silence = new Int16Array(Math.round((sentence.silenceMs * ESPEAK_SAMPLE_RATE) / 1000))
      if (silence.length > 0) send(silence, [])
      continue
    }
    const base = emitted
    const toUtf16 = utf16Offsets(sentence.text, request.ssml === true)
    let boundaries: Boundary[] = [{ textOffset: sentence.offset, textLength: sentence.text.length, sampleOffset: base, kind: 'sentence' }]
    let blocks: Int16Array[] = []
    let pending = 0
    const stretching = request.stretch !== 1
    const flush = () => {
      if (blocks.length === 0) return
      const samples = concatSamples(blocks, pending)
      send(stretching ? timeStretch(samples, request.stretch, ESPEAK_SAMPLE_RATE) : samples, boundaries)
      blocks = []
      pending = 0
      boundaries = []
    }
    speak(sentence.text, request.voice, request.rate, (samples, events) => {
      for (const event of events) {
        if (event.type !== EVENT_WORD) continue
        const word = wordSpan(sentence.text, toUtf16, event)
        if (!word) continue
        const sampleOffset = base + Math.round(event.sample * request.stretch)
        boundaries.push({ textOffset: sentence.offset + word.start, textLength: word.length, sampleOffset, kind: 'word' })
      }
      if (samples.length > 0) {
        blocks.push(samples)
        pending += samples.length
        // The very first block goes out at once: it decides time to first audio.
        if (!stretching && (pending >= blockSamples || (emitted === 0 && blockSamples !== Infinity))) flush()
      }
      return ctx.cancelled()
    }, request.ssml, sentence.endPause !== false)
    if (ctx.cancelled()) return
    flush()
    carried.push(...boundaries)
  }
  if (carried.length > 0) ctx.emit({ samples: new Int16Array(0), boundaries: carried })
}

/**
 * UTF-16 offset of every code point of `text` as espeak-ng counts positions (plus one past
 * the end). In SSML mode espeak-ng counts an entity (`&amp;`) as the one character it stands
 * for, and every character of a tag.
 */
function utf16Offsets(text: string, ssml: boolean): number[] {
  const offsets: number[] = []
  let i = 0
  while (i < text.length) {
    offsets.push(i)
    const entity = ssml && text[i] === '&' ? /^&[#\w]{1,12};/.exec(text.slice(i, i + 14)) : null
    i += entity ? entity[0].length : text.codePointAt(i)! > 0xffff ? 2 : 1
  }
  offsets.push(i)
  return offsets
}

function wordSpan(text: string, toUtf16: number[], event: EspeakEvent): { start: number; length: number } | undefined {
  const first = event.textPosition - 1
  const start = toUtf16[first]
  if (start === undefined || first >= toUtf16.length - 1) return undefined
  let end = toUtf16[Math.min(first + Math.max(event.length, 0), toUtf16.length - 1)]!
  if (end <= start) {
    // espeak sometimes reports no length (e.g. after typographic quotes): take the word.
    const match = /^[\p{L}\p{N}\p{M}'’-]+/u.exec(text.slice(start))
    end = start + (match ? match[0].length : 1)
  }
  return { start, length: end - start }
}
