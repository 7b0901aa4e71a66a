/**
 * Property tests for the normaliser and the sentence splitter: whatever text arrives
 * (any Unicode, lone surrogates, runs of punctuation, no spaces at all), they terminate
 * quickly, and the splitter neither loses nor reorders a character, since a dropped
 * character would be silently missing from the speech.
 */
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { countWords, MAX_SENTENCE_CHARS, normaliseText, splitSentences, stripEmotionTags, type Sentence } from './text.ts'

// Units chosen to hit the splitter's rules far more often than uniform Unicode would:
// terminal punctuation of several scripts, closers, abbreviations, every kind of
// whitespace, control characters, combining marks and surrogates (paired and lone).
const special = fc.constantFrom(
  '.', '!', '?', '…', '。', '！', '？', '।', '؟', ',', ';', ':', '"', "'", '”', '’', ')', ']', '(', '[',
  ' ', ' ', ' ', '\n', '\n\n', '\t', '\r\n', '\u00a0', '\u2028', '\u3000', '\ufeff', '\u0000', '\u001f', '\u007f',
  '\u0301', '\u0308', 'e\u0301', '\ud83d\ude00', '\ud83d', '\ude00', '\udbff', '中', '文',
  'Mr.', 'Dr.', 'e.g.', 'i.e.', 'etc.', 'No.', 'St.',
)
const unit = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }), weight: 4 },
  { arbitrary: special, weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), weight: 1 },
  // A lone UTF-16 code unit of any value, surrogates included.
  { arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), weight: 1 },
)
/** Text of up to ~200 units: short enough for many runs, long enough for several sentences. */
const textArb = fc.array(unit, { maxLength: 200 }).map((units) => units.join(''))
/** Letters, combining marks, controls and whitespace side by side: where composition and removal interact. */
const composable = fc
  .array(fc.constantFrom('e', 'a', 'o', '\u0301', '\u0308', '\u0327', '\u1100', '\u1161', '\u0000', '\u001f', '\u007f', ' ', '\t', '\u00a0'), { maxLength: 12 })
  .map((units) => units.join(''))
/** Long texts with few or no spaces, to exercise the MAX_SENTENCE_CHARS cuts. */
const longText = fc
  .tuple(fc.array(fc.constantFrom('a', 'b', '中', '\ud83d\ude00', '.', ',', ', ', ' ', '!'), { minLength: 1, maxLength: 8 }), fc.integer({ min: 300, max: 3000 }))
  .chain(([alphabet, length]) => fc.array(fc.constantFrom(...alphabet), { minLength: length, maxLength: length }))
  .map((units) => units.join(''))

const WS = /\s/
const nonWhitespace = (s: string) => s.replace(/\s/g, '')

/** Every invariant the splitter promises, checked on one input. */
function checkPieces(text: string, pieces: Sentence[]): void {
  let cursor = 0
  for (const piece of pieces) {
    expect(piece.text.length).toBeGreaterThan(0)
    expect(piece.text.length).toBeLessThanOrEqual(MAX_SENTENCE_CHARS)
    expect(text.slice(piece.offset, piece.offset + piece.text.length)).toBe(piece.text)
    // In order, without overlap, and only whitespace between pieces: nothing lost or moved.
    expect(piece.offset).toBeGreaterThanOrEqual(cursor)
    expect(nonWhitespace(text.slice(cursor, piece.offset))).toBe('')
    expect(WS.test(piece.text[0]!)).toBe(false)
    expect(WS.test(piece.text.at(-1)!)).toBe(false)
    cursor = piece.offset + piece.text.length
  }
  expect(nonWhitespace(text.slice(cursor))).toBe('')
  expect(pieces.map((p) => nonWhitespace(p.text)).join('')).toBe(nonWhitespace(text))
}

/** True when a cut falls between the two halves of a surrogate pair. */
function splitsPair(text: string, at: number): boolean {
  const before = text.charCodeAt(at - 1)
  const after = text.charCodeAt(at)
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff
}

/** Mostly ASCII (where the fast paths run), with the characters that must send a text down the general path. */
const asciiText = fc
  .array(
    fc.oneof(
      { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 6 }), weight: 6 },
      { arbitrary: fc.constantFrom(' ', '  ', '\t', '\n', '\r\n', '\u000b', '\u000c', '\u0000', '\u007f', '(happy)', '[laughs]', '(', ']', '-', 'é', '\u00a0', '٣'), weight: 3 },
    ),
    { maxLength: 40 },
  )
  .map((units) => units.join(''))

// The general forms, as the functions were before their ASCII fast paths: the fast paths change speed, not answers.
const generalNormalise = (text: string) =>
  text
    .replace(/[\u0000-\u0008\u000B\u000E-\u001F\u007F]/g, '')
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .trim()
const generalCountWords = (text: string) => stripEmotionTags(text).split(/\s+/).filter((token) => /[\p{L}\p{N}]/u.test(token)).length

describe('the ASCII fast paths', () => {
  test('normaliseText answers as the general form does', () => {
    fc.assert(
      fc.property(fc.oneof(asciiText, textArb), (text) => {
        expect(normaliseText(text)).toBe(generalNormalise(text))
      }),
      { numRuns: 3000 },
    )
  })

  test('countWords answers as the general form does', () => {
    fc.assert(
      fc.property(fc.oneof(asciiText, textArb), (text) => {
        expect(countWords(text)).toBe(generalCountWords(text))
      }),
      { numRuns: 3000 },
    )
  })
})

describe('normaliseText, any input', () => {
  test('is idempotent: normalised text normalises to itself (one cache key per utterance)', () => {
    fc.assert(
      fc.property(fc.oneof(textArb, composable), (text) => {
        const once = normaliseText(text)
        expect(normaliseText(once)).toBe(once)
      }),
      { numRuns: 2000 },
    )
  })

  // Found by the idempotence property: a control character between a letter and its
  // combining mark kept them apart during composition, then vanished.
  test('composes across a removed control character', () => {
    expect(normaliseText('e\u0000\u0301')).toBe('\u00e9')
  })

  test('leaves no control characters, no edge whitespace and no whitespace runs', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        const out = normaliseText(text)
        expect(out).not.toMatch(/[\u0000-\u0008\u000B\u000E-\u001F\u007F]/)
        expect(out).not.toMatch(/^\s|\s$|\s\s|[^\S ]/)
      }),
      { numRuns: 2000 },
    )
  })

  test('keeps every non-whitespace character of the composed input, in order', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        const expected = nonWhitespace(text.replace(/[\u0000-\u0008\u000B\u000E-\u001F\u007F]/g, '').normalize('NFC'))
        expect(nonWhitespace(normaliseText(text))).toBe(expected)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('splitSentences, any input', () => {
  test('loses and reorders nothing; pieces are trimmed, located by offset and at most MAX_SENTENCE_CHARS', () => {
    fc.assert(
      fc.property(textArb, (text) => checkPieces(text, splitSentences(text))),
      { numRuns: 3000 },
    )
  })

  test('long texts with few or no spaces are cut within the limit, never inside a surrogate pair', () => {
    fc.assert(
      fc.property(longText, (text) => {
        const pieces = splitSentences(text)
        checkPieces(text, pieces)
        for (const piece of pieces) {
          expect(splitsPair(text, piece.offset)).toBe(false)
          expect(splitsPair(text, piece.offset + piece.text.length)).toBe(false)
        }
      }),
      { numRuns: 300 },
    )
  })

  test('normalised text splits the same way (what the routes actually do)', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        const normal = normaliseText(text)
        checkPieces(normal, splitSentences(normal))
      }),
      { numRuns: 1000 },
    )
  })

  test('cuts exactly where the plain rules would (the linear-time regexes change speed, not meaning)', () => {
    fc.assert(
      fc.property(fc.oneof(textArb, longText), (text) => {
        // Every sentence end of the plain rules ends a piece; any other piece end is a length cut.
        checkAgainstReference(text)
      }),
      { numRuns: 1000 },
    )
  })

  // Time bounds rather than a property: the splitter runs on the event loop for every
  // streamed message, so input crafted to make its regexes backtrack must stay linear.
  test.each([
    ['a run of full stops then a letter', '.'.repeat(20_000) + 'x'],
    ['alternating ?! with no space', '?!'.repeat(10_000) + 'x'],
    ['closers after punctuation', '.)'.repeat(10_000) + 'x'],
    ['abbreviations only', 'Mr. '.repeat(5_000)],
    ['one word of 20 000 letters', 'a'.repeat(20_000)],
    ['lone high surrogates', '\ud83d'.repeat(20_000)],
  ])('%s splits in linear time', (_name, text) => {
    const started = performance.now()
    const pieces = splitSentences(text)
    const ms = performance.now() - started
    checkPieces(text, pieces)
    // Linear work on 20 000 characters takes a few ms; quadratic backtracking took ~500 ms.
    expect(ms).toBeLessThan(100)
  })
})

/**
 * The splitter's sentences by its rules written the obvious way (quadratic on crafted
 * input): terminal punctuation tried from any position, the abbreviation test on the
 * whole sentence so far. Returns each sentence's trimmed [from, to).
 */
function referenceSentences(text: string): [number, number][] {
  const sentenceEnd = /[.!?…。！？।؟]+["'”’)\]]*(?=\s|$)|\n\s*\n/g
  const abbreviation = /(?:^|[^\p{L}\p{N}])(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|vs|etc|e\.g|i\.e|No|Fig)\.$/iu
  const out: [number, number][] = []
  let start = 0
  const close = (end: number) => {
    let from = start
    let to = end
    while (from < to && /\s/.test(text[from]!)) from++
    while (to > from && /\s/.test(text[to - 1]!)) to--
    if (to > from) out.push([from, to])
  }
  for (const match of text.matchAll(sentenceEnd)) {
    const end = match.index + match[0].length
    if (match[0].startsWith('.') && abbreviation.test(text.slice(start, end))) continue
    close(end)
    start = end
  }
  close(text.length)
  return out
}

/** Checks that the pieces end where the reference sentences end, plus length cuts inside overlong ones. */
function checkAgainstReference(text: string): void {
  const sentences = referenceSentences(text)
  const pieceEnds = new Set(splitSentences(text).map((p) => p.offset + p.text.length))
  for (const [, to] of sentences) expect(pieceEnds.has(to)).toBe(true)
  const sentenceEnds = new Set(sentences.map(([, to]) => to))
  for (const end of pieceEnds) {
    if (sentenceEnds.has(end)) continue
    const within = sentences.find(([from, to]) => end > from && end < to)
    expect(within && within[1] - within[0] > MAX_SENTENCE_CHARS).toBe(true)
  }
}
