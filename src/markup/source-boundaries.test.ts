import { describe, expect, test } from 'bun:test'
import { alignChunk } from '../tts/alignment.ts'
import { prepareSpeech } from './prepare-speech.ts'
import { renderText } from './render-text.ts'
import { SourceBoundaries } from './source-boundaries.ts'

describe('SourceBoundaries', () => {
  test('the words read for one written token become one boundary over the token', () => {
    const source = 'Pay **$3.50** now'
    const doc = prepareSpeech(source, { markup: 'none', normalization: 'on', language: 'en-US' })
    const piece = renderText(doc).pieces[0]!
    if (piece.type !== 'speech') throw new Error('speech expected')
    const read = piece.text.text
    expect(read).toBe('Pay three dollars and fifty cents now')
    // One boundary per word the engine read, 1000 samples apart.
    const words = [...read.matchAll(/\S+/g)].map((m, i) => ({ textOffset: m.index, textLength: m[0].length, sampleOffset: i * 1000, kind: 'word' as const }))
    const mapped = new SourceBoundaries(piece.text).map(words)
    expect(mapped.map((b) => [source.slice(b.textOffset, b.textOffset + b.textLength), b.sampleOffset])).toEqual([
      ['Pay', 0],
      ['$3.50', 1000],
      ['now', 6000],
    ])
    // Aligned over the client's text: every character of it, markdown included, in order.
    const { alignment } = alignChunk({ text: source, boundaries: mapped, sampleRate: 1000, chunkStart: 0, chunkEnd: 7000, fromText: 0, final: true })
    expect(alignment.chars.join('')).toBe(source)
    expect(alignment.charStartTimesMs[source.indexOf('n')]).toBe(6000)
  })

  test('a token split over two chunks still gives one boundary', () => {
    const doc = prepareSpeech('$3', { markup: 'none', normalization: 'on', language: 'en-US' })
    const piece = renderText(doc).pieces[0]!
    if (piece.type !== 'speech') throw new Error('speech expected')
    const toSource = new SourceBoundaries(piece.text)
    expect(toSource.map([{ textOffset: 0, textLength: 5, sampleOffset: 0, kind: 'word' }])).toHaveLength(1)
    expect(toSource.map([{ textOffset: 6, textLength: 7, sampleOffset: 900, kind: 'word' }])).toHaveLength(0)
  })
})
