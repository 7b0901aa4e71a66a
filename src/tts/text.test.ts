import { describe, expect, test } from 'bun:test'
import { charCountRange, countWords, MAX_SENTENCE_CHARS, normaliseText, splitSentences, wordCountRange } from './text.ts'

describe('normaliseText', () => {
  test('collapses whitespace, drops control characters and trims', () => {
    expect(normaliseText('  Hello\r\n\t world\u0000 ')).toBe('Hello world')
  })

  test('composes Unicode so the same words give the same cache key', () => {
    expect(normaliseText('Cafe\u0301')).toBe(normaliseText('Café'))
  })
})

describe('countWords', () => {
  test('does not count emotion tags as words', () => {
    expect(countWords('(happy) Hello, world - again! [laughs]')).toBe(3)
  })

  test('counts words in scripts other than Latin', () => {
    expect(countWords('Привет мир')).toBe(2)
  })
})

describe('range labels', () => {
  test('word counts fall into the ranges docs/observability.md lists', () => {
    expect([1, 10, 11, 25, 26, 50, 51, 100, 101, 200, 201].map(wordCountRange)).toEqual([
      '1-10', '1-10', '11-25', '11-25', '26-50', '26-50', '51-100', '51-100', '101-200', '101-200', '200+',
    ])
  })

  test('character counts have a bounded set of labels', () => {
    const labels = new Set(Array.from({ length: 5000 }, (_, i) => charCountRange(i + 1)))
    expect(labels.size).toBe(7)
  })
})

describe('splitSentences', () => {
  test('splits on terminal punctuation and reports offsets into the input', () => {
    const text = 'Hi there. How are you? Fine!'
    const pieces = splitSentences(text)
    expect(pieces.map((p) => p.text)).toEqual(['Hi there.', 'How are you?', 'Fine!'])
    for (const p of pieces) expect(text.slice(p.offset, p.offset + p.text.length)).toBe(p.text)
  })

  test('does not end a sentence at a common abbreviation', () => {
    expect(splitSentences('Dr. Smith arrived. He sat.').map((p) => p.text)).toEqual(['Dr. Smith arrived.', 'He sat.'])
  })

  test('keeps decimal numbers together', () => {
    expect(splitSentences('It costs 3.50 dollars. Cheap.').map((p) => p.text)).toEqual(['It costs 3.50 dollars.', 'Cheap.'])
  })

  test('cuts overlong sentences without losing or reordering characters', () => {
    const text = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ')
    const pieces = splitSentences(text)
    expect(pieces.length).toBeGreaterThan(1)
    for (const p of pieces) expect(p.text.length).toBeLessThanOrEqual(MAX_SENTENCE_CHARS)
    expect(pieces.map((p) => p.text).join(' ')).toBe(text)
  })

  test('text without any space is still cut, on code point boundaries', () => {
    const text = '😀'.repeat(500)
    const pieces = splitSentences(text)
    expect(pieces.map((p) => p.text).join('')).toBe(text)
    for (const p of pieces) expect(p.text.isWellFormed()).toBe(true)
  })

  test('empty and whitespace-only input yield no sentences', () => {
    expect(splitSentences('')).toEqual([])
    expect(splitSentences('   \n ')).toEqual([])
  })
})
