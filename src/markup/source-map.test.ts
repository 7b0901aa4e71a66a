import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { applyEdits, identityText, MappedTextBuilder } from './source-map.ts'

describe('MappedText', () => {
  test('verbatim runs map character for character, replacements to the span they replaced', () => {
    const source = 'It costs $3.50 today'
    const b = new MappedTextBuilder()
    b.copy('It costs ', 0)
    b.replace('three dollars fifty', { start: 9, end: 14 })
    b.copy(' today', 14)
    const t = b.build()
    expect(t.text).toBe('It costs three dollars fifty today')
    expect(t.toSource(3)).toEqual({ start: 3, end: 4 })
    expect(source.slice(t.toSource(12).start, t.toSource(12).end)).toBe('$3.50')
    const today = t.text.indexOf('today')
    expect(source.slice(t.spanToSource(today, today + 5).start, t.spanToSource(today, today + 5).end)).toBe('today')
  })

  test('inserted separators anchor where the last piece ended', () => {
    const t = new MappedTextBuilder().copy('ab', 5).insert('. ').copy('c', 9).build()
    expect(t.toSource(2)).toEqual({ start: 7, end: 7 })
  })

  test('edits compose: a cleaned text still maps into the first original', () => {
    const first = applyEdits(identityText('**Hi** 5%'), [
      { start: 0, end: 2, replacement: '' },
      { start: 4, end: 6, replacement: '' },
    ])
    expect(first.text).toBe('Hi 5%')
    const second = applyEdits(first, [{ start: 3, end: 5, replacement: 'five percent' }])
    expect(second.text).toBe('Hi five percent')
    expect(second.spanToSource(3, second.text.length)).toEqual({ start: 7, end: 9 })
    expect(second.toSource(0)).toEqual({ start: 2, end: 3 })
  })

  test('any chain of edits keeps every mapped span inside the original and in order', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(40), fc.nat(5), fc.string({ maxLength: 4 })), { maxLength: 8 }),
        (text, raw) => {
          const edits = raw.map(([start, len, replacement]) => ({ start: Math.min(start, text.length), end: Math.min(start + len, text.length), replacement }))
          const mapped = applyEdits(identityText(text), edits)
          let last = 0
          for (let i = 0; i < mapped.text.length; i++) {
            const span = mapped.toSource(i)
            expect(span.start).toBeGreaterThanOrEqual(last)
            expect(span.end).toBeLessThanOrEqual(text.length)
            last = span.start
          }
        },
      ),
    )
  })
})
