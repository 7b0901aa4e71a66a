/**
 * Word timings for sherpa-onnx voices, measured from the audio. sherpa-onnx returns a
 * sentence's samples and nothing about where its words fall (its VITS, Kokoro and Matcha
 * paths expose no durations), so each sentence's start is exact (sentences are synthesised
 * one by one) and its words are placed within the spoken part of the sentence: first in
 * proportion to their length, then moved to the quietest 10 ms nearby, where a word gap
 * or a stop closure usually is.
 */
import type { Boundary } from '../../engine.ts'
import type { Sentence } from '../../text.ts'

const WORD = /[\p{L}\p{N}\p{M}'’-]+/gu
/** A window's loudness counts as speech above this fraction of the sentence's loudest window. */
const SPEECH_FLOOR = 0.05
/** How far (as a share of the average word's length) a boundary may move to a quieter spot. */
const SNAP_REACH = 0.5

/**
 * Boundaries for `sentence` (offsets into the whole text) spoken as `samples`, which start
 * at sample `base` of the utterance: one `sentence` boundary, then one per word.
 *
 * @example
 * measureWords({ text: 'Hello there.', offset: 0 }, samples, 22050, 0)
 * // [{ kind: 'sentence', sampleOffset: 0, ... }, { kind: 'word', textOffset: 0, ... }, { kind: 'word', textOffset: 6, ... }]
 */
export function measureWords(sentence: Sentence, samples: Int16Array, sampleRate: number, base: number): Boundary[] {
  const out: Boundary[] = [{ textOffset: sentence.offset, textLength: sentence.text.length, sampleOffset: base, kind: 'sentence' }]
  const words = [...sentence.text.matchAll(WORD)].map((m) => ({ start: m.index, length: m[0].length }))
  if (words.length === 0 || samples.length === 0) return out
  const hop = Math.max(1, Math.round(sampleRate / 100))
  const energy = windowEnergy(samples, hop)
  const loudest = Math.max(...energy)
  const spoken = energy.map((e) => e > loudest * SPEECH_FLOOR)
  const first = Math.max(0, spoken.indexOf(true))
  const last = Math.max(first + 1, spoken.lastIndexOf(true) + 1)
  // Each word weighs its letters plus one for the gap that follows it.
  const weights = words.map((w) => w.length + 1)
  const total = weights.reduce((a, b) => a + b, 0)
  const reach = Math.max(1, Math.round(((last - first) / words.length) * SNAP_REACH))
  let acc = 0
  let previous = first - 1
  for (const [i, word] of words.entries()) {
    let at = Math.round(first + ((last - first) * acc) / total)
    acc += weights[i]!
    if (i > 0) at = quietestNear(energy, at, reach, previous + 1)
    at = Math.max(at, previous + 1)
    previous = at
    const sampleOffset = base + Math.min(samples.length - 1, at * hop)
    out.push({ textOffset: sentence.offset + word.start, textLength: word.length, sampleOffset, kind: 'word' })
  }
  return out
}

/** Mean absolute amplitude of each `hop`-sample window. */
function windowEnergy(samples: Int16Array, hop: number): number[] {
  const out: number[] = []
  for (let start = 0; start < samples.length; start += hop) {
    const end = Math.min(samples.length, start + hop)
    let sum = 0
    for (let i = start; i < end; i++) sum += Math.abs(samples[i]!)
    out.push(sum / (end - start))
  }
  return out
}

/** The quietest window within `reach` of `at`, not before `floor`; `at` itself on a tie. */
function quietestNear(energy: number[], at: number, reach: number, floor: number): number {
  let best = at
  for (let i = Math.max(floor, at - reach); i <= Math.min(energy.length - 1, at + reach); i++) {
    if ((energy[i] ?? Infinity) < (energy[best] ?? Infinity)) best = i
  }
  return best
}
