/**
 * Whatever a client sends as markup, the parser answers with a document or a MarkupError
 * whose position is inside the text: never another exception, and every character it maps
 * points into what the client sent.
 */
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { MarkupError } from './markup-error.ts'
import { parseSsml } from './ssml-parse.ts'

const piece = fc.oneof(
  fc.constantFrom(
    '<speak>', '</speak>', '<break time="1s"/>', '<break', '/>', '<phoneme ph="a">', '</phoneme>', '<sub alias="x">', '</sub>',
    '<say-as interpret-as="digits">', '</say-as>', '<prosody rate="slow">', '</prosody>', '<p>', '</p>', '<s>', '</s>',
    '&amp;', '&lt;', '&#65;', '&#x1F600;', '&', '&bogus;', '<', '>', '"', "'", '<!--', '-->', '<![CDATA[', ']]>', '<?x?>',
    '<!DOCTYPE x>', '\r\n', '\n', ' ', 'é', '\ud83d\ude00', '\ud83d',
  ),
  fc.string({ unit: 'grapheme-ascii', maxLength: 5 }),
)
const markup = fc.array(piece, { maxLength: 40 }).map((p) => p.join(''))

describe('parseSsml on arbitrary input', () => {
  test('returns a document mapped into the input, or a MarkupError positioned in it', () => {
    fc.assert(
      fc.property(markup, fc.boolean(), (source, fragment) => {
        try {
          const doc = parseSsml(source, { fragment })
          for (const part of doc.parts) {
            if (part.type !== 'text' && part.type !== 'phoneme') continue
            for (let i = 0; i < part.text.text.length; i++) {
              const span = part.text.toSource(i)
              expect(span.start).toBeGreaterThanOrEqual(0)
              expect(span.end).toBeLessThanOrEqual(source.length)
            }
          }
        } catch (err) {
          if (!(err instanceof MarkupError)) throw err
          expect(err.offset).toBeGreaterThanOrEqual(0)
          expect(err.offset).toBeLessThanOrEqual(source.length)
          expect(err.line).toBeGreaterThanOrEqual(1)
        }
      }),
      { numRuns: 3000 },
    )
  })

  test('verbatim text keeps every character at its own offset', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '.', 'é'), maxLength: 30 }), (words) => {
        const source = `<speak>${words}</speak>`
        const doc = parseSsml(source)
        for (const part of doc.parts) {
          if (part.type !== 'text') continue
          for (let i = 0; i < part.text.text.length; i++) expect(source[part.text.toSource(i).start]).toBe(part.text.text[i])
        }
      }),
    )
  })
})
