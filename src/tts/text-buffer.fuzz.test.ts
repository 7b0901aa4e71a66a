/**
 * Property tests for the streaming text buffer: an LLM's output arrives split at
 * arbitrary points, and whatever the split, the units released for synthesis must hold
 * every non-whitespace character of the text, in order, once.
 */
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { TextBuffer } from './text-buffer.ts'

const unit = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 }), weight: 4 },
  {
    arbitrary: fc.constantFrom(
      '. ', '! ', '? ', '.', '…', '。', '？', '"', ')', ' ', ' ', ' ', '\n', '\n\n', '\t', '\u00a0', '\u3000',
      'Mr. ', 'Dr. ', 'e.g. ', 'etc. ', '3.50', '\ud83d\ude00', '\ud83d', 'é', '中文',
    ),
    weight: 4,
  },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), weight: 1 },
)
const textArb = fc.array(unit, { maxLength: 150 }).map((units) => units.join(''))

/** A text and the points where it is cut into pushes (any point, even inside a surrogate pair). */
const splitText = textArb.chain((text) =>
  fc.uniqueArray(fc.integer({ min: 0, max: text.length }), { maxLength: 30 }).map((cuts) => {
    const bounds = [0, ...cuts.sort((a, b) => a - b), text.length]
    return { text, chunks: bounds.slice(1).map((end, i) => text.slice(bounds[i], end)) }
  }),
)
/** ElevenLabs' chunk_length_schedule as clients send it: 1 to 10 thresholds. */
const schedule = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 10 })

const nonWhitespace = (s: string) => s.replace(/\s/g, '')

/** Pushes every chunk, then flushes; returns every unit released, in order. */
function feed(buffer: TextBuffer, chunks: readonly string[], between?: (buffer: TextBuffer, i: number) => string[]): string[] {
  const units: string[] = []
  chunks.forEach((chunk, i) => {
    units.push(...buffer.push(chunk))
    if (between) units.push(...between(buffer, i))
  })
  units.push(...buffer.flush())
  return units
}

function checkUnits(text: string, units: readonly string[]): void {
  for (const unit of units) {
    expect(unit.length).toBeGreaterThan(0)
    expect(unit).toBe(unit.trim())
  }
  expect(nonWhitespace(units.join(''))).toBe(nonWhitespace(text))
}

describe('TextBuffer, any split of any text', () => {
  test('by sentence: the units hold every non-whitespace character, in order', () => {
    fc.assert(
      fc.property(splitText, ({ text, chunks }) => checkUnits(text, feed(new TextBuffer(), chunks))),
      { numRuns: 2000 },
    )
  })

  test('by sentence: the units do not depend on how the text was split', () => {
    // One push of the whole text is the reference: a sentence must not be cut in two
    // just because a token boundary fell after an abbreviation or a full stop.
    fc.assert(
      fc.property(splitText, ({ text, chunks }) => {
        expect(feed(new TextBuffer(), chunks)).toEqual(feed(new TextBuffer(), [text]))
      }),
      { numRuns: 2000 },
    )
  })

  test('by chunk_length_schedule: the units hold every non-whitespace character, in order', () => {
    fc.assert(
      fc.property(splitText, schedule, ({ text, chunks }, chunkLengthSchedule) => {
        checkUnits(text, feed(new TextBuffer({ chunkLengthSchedule }), chunks))
      }),
      { numRuns: 2000 },
    )
  })

  test('by chunk_length_schedule: no word is split between two units', () => {
    fc.assert(
      fc.property(splitText, schedule, ({ text, chunks }, chunkLengthSchedule) => {
        const units = feed(new TextBuffer({ chunkLengthSchedule }), chunks)
        // Locate each unit in the text; between two units there must be whitespace.
        let cursor = 0
        units.forEach((unit, i) => {
          const at = text.indexOf(unit, cursor)
          expect(at).toBeGreaterThanOrEqual(cursor)
          if (i > 0) expect(/\s/.test(text.slice(cursor, at))).toBe(true)
          cursor = at + unit.length
        })
      }),
      { numRuns: 1000 },
    )
  })

  test('with try_trigger_generation between pushes, nothing is lost or reordered', () => {
    fc.assert(
      fc.property(splitText, schedule, fc.array(fc.boolean(), { maxLength: 31 }), ({ text, chunks }, chunkLengthSchedule, triggers) => {
        const buffer = new TextBuffer({ chunkLengthSchedule })
        checkUnits(text, feed(buffer, chunks, (b, i) => (triggers[i] ? b.takeSentences() : [])))
      }),
      { numRuns: 1000 },
    )
  })

  // Found by the split-invariance property: an abbreviation arriving as its own token was
  // released as a sentence, so espeak said "Doctor." and paused before the name.
  test('an abbreviation arriving as its own token stays with its sentence', () => {
    const buffer = new TextBuffer()
    expect(buffer.push('Dr. ')).toEqual([])
    expect(buffer.push('Smith is here. ')).toEqual(['Dr. Smith is here.'])
  })
})
