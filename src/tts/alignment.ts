/**
 * Character alignment from what the engine measured: espeak-ng reports where each word
 * starts in its own audio (word events) and where each sentence starts. A word's span
 * runs to the next measured boundary; the characters of the word (and the spaces and
 * punctuation after it) share that span. No timing is invented beyond the word level.
 */
import type { Boundary } from './engine.ts'

/** ElevenLabs' stream-input shape: per chunk, times relative to the chunk's start. */
export interface CharAlignment {
  chars: string[]
  charStartTimesMs: number[]
  charDurationsMs: number[]
}

export interface AlignmentInput {
  /** The text the engine spoke (boundary offsets point into it). */
  text: string
  /** Boundaries measured so far (sample offsets from the start of the utterance). */
  boundaries: readonly Boundary[]
  sampleRate: number
  /** The chunk's extent in samples, from the start of the utterance. */
  chunkStart: number
  chunkEnd: number
  /** Text before this offset was aligned in earlier chunks. */
  fromText: number
  /** True for the utterance's last chunk: trailing text (final punctuation) belongs to it. */
  final: boolean
}

/**
 * Aligns the characters of the words that start inside [chunkStart, chunkEnd). Each word's
 * characters share the span from its measured start to the next measured start (or the
 * chunk's end); spaces and punctuation between words take no time of their own.
 * Returns the alignment and the text offset the next chunk continues from.
 *
 * @example
 * const { alignment, textEnd } = alignChunk({ text, boundaries, sampleRate: 22050, chunkStart: 0, chunkEnd: 4096, fromText: 0, final: false })
 */
export function alignChunk(input: AlignmentInput): { alignment: CharAlignment; textEnd: number } {
  const { text, sampleRate, chunkStart, chunkEnd } = input
  // Word boundaries when the engine gave them, else sentences: the finest measured unit.
  const words = input.boundaries.filter((b) => b.kind === 'word')
  const units = (words.length > 0 ? words : input.boundaries).toSorted((a, b) => a.textOffset - b.textOffset)
  const out: CharAlignment = { chars: [], charStartTimesMs: [], charDurationsMs: [] }
  const ms = (samples: number) => round(((samples - chunkStart) * 1000) / sampleRate)
  const push = (chars: string, startSample: number, step: number) => {
    for (const [k, char] of [...chars].entries()) {
      out.chars.push(char)
      out.charStartTimesMs.push(ms(startSample + k * step))
      out.charDurationsMs.push(round((step * 1000) / sampleRate))
    }
  }
  let cursor = input.fromText
  for (let i = 0; i < units.length; i++) {
    const unit = units[i]!
    if (unit.sampleOffset < chunkStart || unit.sampleOffset >= chunkEnd || unit.textOffset < cursor) continue
    const next = units[i + 1]
    const spanEnd = Math.max(unit.sampleOffset, Math.min(next ? next.sampleOffset : chunkEnd, chunkEnd))
    const wordEnd = Math.min(text.length, unit.textOffset + unit.textLength)
    push(text.slice(cursor, unit.textOffset), unit.sampleOffset, 0)
    const word = text.slice(unit.textOffset, wordEnd)
    push(word, unit.sampleOffset, (spanEnd - unit.sampleOffset) / Math.max(1, [...word].length))
    cursor = wordEnd
  }
  if (input.final && cursor < text.length) {
    push(text.slice(cursor), chunkEnd, 0)
    cursor = text.length
  }
  return { alignment: out, textEnd: cursor }
}

const round = (x: number) => Math.round(x * 10) / 10

/** `{characters, character_start_times_seconds, character_end_times_seconds}` (HTTP with-timestamps). */
export interface SecondsAlignment {
  characters: string[]
  character_start_times_seconds: number[]
  character_end_times_seconds: number[]
}

/**
 * Converts a chunk-relative alignment into absolute seconds, offset by `offsetMs`.
 *
 * @example
 * toSeconds(alignChunk(input), 1200) // starts shifted by 1.2 s
 */
export function toSeconds(alignment: CharAlignment, offsetMs = 0): SecondsAlignment {
  return {
    characters: alignment.chars,
    character_start_times_seconds: alignment.charStartTimesMs.map((t) => (t + offsetMs) / 1000),
    character_end_times_seconds: alignment.charStartTimesMs.map((t, i) => (t + alignment.charDurationsMs[i]! + offsetMs) / 1000),
  }
}
