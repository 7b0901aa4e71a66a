/**
 * Loudness measurement and normalisation of one utterance, in the thread that holds its PCM
 * (an engine worker, or an encode worker for an upstream's PCM), chunk by chunk as the
 * engine makes it.
 *
 * Every sample is measured (BS.1770, loudness.ts) before any gain: the utterance's
 * integrated loudness is what `tts_audio_loudness_lufs` reports for its engine. With a
 * target, one gain is applied to the whole utterance, decided before its first chunk leaves,
 * so levels never pump within an utterance and a stream's first audio is not held back:
 *
 * - when the voice (or, for a voice not heard yet, another voice of its engine) has been heard
 *   before in this thread, the gain comes from its measured loudness so far (`prior`), and
 *   every chunk leaves at once;
 * - for the first utterance a thread hears from an engine, chunks are held until the first
 *   400 ms gating block (or the utterance's end, if shorter) can be measured, and the gain
 *   comes from that; the held audio then leaves at once. An engine that makes audio faster than
 *   real time (espeak: a few ms per 400 ms of speech) adds that much to first audio, once.
 *
 * The gain is clamped to ±{@link MAX_GAIN_DB} and, when boosting, to what keeps the loudest
 * sample heard so far 1 dB under full scale; a later, louder sample is saturated at full scale.
 */
import { LoudnessMeter } from './loudness.ts'

export const MAX_GAIN_DB = 20
/** A voice heard for the first time: decide after this much audio (one gating block). */
const DECIDE_AFTER_SECONDS = 0.4
/** ...unless it is all silence so far: then after this much, with no gain. */
const GIVE_UP_AFTER_SECONDS = 2
const HEADROOM = 10 ** (-1 / 20)

export interface LoudnessResult {
  /** Integrated loudness of the utterance as the engine made it; undefined under 400 ms or silent. */
  lufs?: number
  /** The gain applied (dB), when normalising. */
  gainDb?: number
}

export interface StageChunk {
  samples: Int16Array
}

/**
 * @example
 * const stage = new LoudnessStage(22050, { targetLufs: -16, prior: voices.get('en-us') })
 * for (const chunk of chunks) for (const out of stage.push(chunk)) emit(out)
 * for (const out of stage.end()) emit(out)
 * stage.result() // { lufs: -21.2, gainDb: 5.2 }
 */
export class LoudnessStage<C extends StageChunk> {
  readonly meter: LoudnessMeter
  readonly #target: number | undefined
  #gain: number | undefined
  #gainDb: number | undefined
  #held: C[] = []

  constructor(sampleRate: number, options: { targetLufs?: number; prior?: number } = {}) {
    this.#target = options.targetLufs
    this.meter = new LoudnessMeter(sampleRate, this.#target !== undefined)
    if (this.#target === undefined) this.#gain = 1
    else if (options.prior !== undefined) this.#decide(options.prior)
  }

  /** Measures `chunk`; returns the chunks that may leave now (gain applied), in order. */
  push(chunk: C): C[] {
    this.meter.push(chunk.samples)
    if (this.#gain === undefined) {
      this.#held.push(chunk)
      const seconds = this.meter.seconds
      const measured = seconds >= DECIDE_AFTER_SECONDS ? this.meter.integrated() : undefined
      if (measured === undefined && seconds < GIVE_UP_AFTER_SECONDS) return []
      this.#decide(measured)
      return this.#release()
    }
    return [this.#apply(chunk)]
  }

  /** The utterance ended: whatever is still held leaves (gain decided on all of it). */
  end(): C[] {
    this.meter.finish()
    if (this.#gain === undefined) this.#decide(this.meter.integrated())
    return this.#release()
  }

  result(): LoudnessResult {
    const lufs = this.meter.integrated()
    return { ...(lufs !== undefined && { lufs }), ...(this.#gainDb !== undefined && { gainDb: this.#gainDb }) }
  }

  #decide(loudness: number | undefined): void {
    if (this.#target === undefined || loudness === undefined) {
      this.#gain = 1
      return
    }
    let db = Math.max(-MAX_GAIN_DB, Math.min(MAX_GAIN_DB, this.#target - loudness))
    const peak = this.meter.peak
    if (db > 0 && peak > 0) db = Math.min(db, 20 * Math.log10(HEADROOM / peak))
    this.#gainDb = db
    this.#gain = 10 ** (db / 20)
  }

  #release(): C[] {
    const out = this.#held.map((c) => this.#apply(c))
    this.#held = []
    return out
  }

  #apply(chunk: C): C {
    const gain = this.#gain!
    if (gain === 1) return chunk
    const samples = chunk.samples
    for (let i = 0; i < samples.length; i++) {
      const v = Math.round(samples[i]! * gain)
      samples[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v
    }
    return chunk
  }
}

/**
 * What a thread remembers of each voice's loudness, so the next utterance of a voice is
 * normalised without waiting: the mean of its last utterances, for at most `limit` voices.
 *
 * @example
 * const voices = new VoiceLoudness()
 * voices.update('en-us', -21.4)
 * voices.get('en-us') // -21.4
 */
export class VoiceLoudness {
  readonly #voices = new Map<string, number>()

  constructor(private readonly limit = 256) {}

  get(voice: string): number | undefined {
    return this.#voices.get(voice)
  }

  /** Folds one utterance's loudness into the voice's estimate (newer utterances weigh more). */
  update(voice: string, lufs: number): void {
    const known = this.#voices.get(voice)
    this.#voices.delete(voice)
    // Oldest voice out first (Map keeps insertion order; a voice just heard moves to the end).
    if (this.#voices.size >= this.limit) this.#voices.delete(this.#voices.keys().next().value!)
    this.#voices.set(voice, known === undefined ? lufs : 0.7 * known + 0.3 * lufs)
  }
}
