import { expect, test } from 'bun:test'
import { measureWords } from './word-timings.ts'

const RATE = 22050
const ms = (n: number) => Math.round((n * RATE) / 1000)

/** Noise bursts of the given lengths (ms) separated by `gap` ms of silence, after `lead` ms of silence. */
function bursts(lengths: number[], gap: number, lead: number): { samples: Int16Array; starts: number[] } {
  const total = ms(lead) + lengths.reduce((a, b) => a + ms(b) + ms(gap), 0)
  const samples = new Int16Array(total)
  const starts: number[] = []
  let at = ms(lead)
  let seed = 1
  for (const length of lengths) {
    starts.push(at)
    for (let i = 0; i < ms(length); i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      samples[at + i] = (seed % 20000) - 10000
    }
    at += ms(length) + ms(gap)
  }
  return { samples, starts }
}

test('words land in the pauses the audio has, not only where their length would put them', () => {
  // "Hello" is short on paper but long in the audio: proportional placement alone would put "wonderful" too early.
  const text = 'Hello wonderful world.'
  const { samples, starts } = bursts([500, 300, 250], 80, 120)
  const boundaries = measureWords({ text, offset: 10 }, samples, RATE, 1000)
  expect(boundaries[0]).toEqual({ kind: 'sentence', textOffset: 10, textLength: text.length, sampleOffset: 1000 })
  const words = boundaries.slice(1)
  expect(words.map((w) => text.slice(w.textOffset - 10, w.textOffset - 10 + w.textLength))).toEqual(['Hello', 'wonderful', 'world'])
  // The first word starts where speech starts (after the leading silence), the others in the gap before their burst.
  expect(Math.abs(words[0]!.sampleOffset - 1000 - starts[0]!)).toBeLessThanOrEqual(ms(10))
  for (const i of [1, 2]) {
    const gapStart = starts[i]! - ms(80)
    expect(words[i]!.sampleOffset - 1000).toBeGreaterThanOrEqual(gapStart - ms(10))
    expect(words[i]!.sampleOffset - 1000).toBeLessThanOrEqual(starts[i]! + ms(10))
  }
})

test('in continuous sound, words are spread by length in order; punctuation-only text gives the sentence alone', () => {
  const { samples } = bursts([2000], 0, 0)
  const words = measureWords({ text: 'a bb ccc dddd', offset: 0 }, samples, RATE, 0).slice(1)
  const starts = words.map((w) => w.sampleOffset)
  expect(starts).toEqual(starts.toSorted((a, b) => a - b))
  expect(new Set(starts).size).toBe(4)
  expect(starts.at(-1)!).toBeLessThan(samples.length)
  expect(measureWords({ text: '...', offset: 0 }, samples, RATE, 0)).toHaveLength(1)
  expect(measureWords({ text: 'Silence.', offset: 0 }, new Int16Array(0), RATE, 0)).toHaveLength(1)
})
