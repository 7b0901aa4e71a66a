import { describe, expect, test } from 'bun:test'
import { parsePls, PlsError, serializePls } from './pls.ts'
import type { Rule } from './rules.ts'

const NS = 'xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"'
const lexicon = (body: string, alphabet = 'ipa') => `<?xml version="1.0" encoding="UTF-8"?>\n<lexicon version="1.0" ${NS} alphabet="${alphabet}" xml:lang="en-US">${body}</lexicon>`
const failure = (xml: string) => {
  try {
    parsePls(xml)
  } catch (err) {
    if (err instanceof PlsError) return err.message
    throw err
  }
  throw new Error('expected a PlsError')
}

describe('parsePls', () => {
  test('what serializePls writes reads back as the same rules, Arpabet and escaped text included', () => {
    const rules: Rule[] = [
      { type: 'alias', string_to_replace: 'R&D', alias: 'research <and> development', case_sensitive: true, word_boundaries: true },
      { type: 'phoneme', string_to_replace: 'tomato', phoneme: 'təˈmɑːtəʊ', alphabet: 'ipa', case_sensitive: true, word_boundaries: true },
      { type: 'phoneme', string_to_replace: 'SQL', phoneme: 'S IY1 K W AH0 L', alphabet: 'cmu-arpabet', case_sensitive: true, word_boundaries: true },
    ]
    expect(parsePls(serializePls(rules))).toEqual(rules)
  })

  test('each grapheme of a lexeme is a rule; the first alias or phoneme is the one spoken', () => {
    const rules = parsePls(lexicon('<lexeme><grapheme>UN</grapheme><grapheme>U.N.</grapheme><alias>United Nations</alias><alias>second</alias></lexeme>'))
    expect(rules.map((r) => [r.string_to_replace, r.type === 'alias' && r.alias])).toEqual([
      ['UN', 'United Nations'],
      ['U.N.', 'United Nations'],
    ])
  })

  test("a lexicon in Arpabet gives Arpabet rules; a phoneme's own alphabet wins", () => {
    const rules = parsePls(lexicon('<lexeme><grapheme>SQL</grapheme><phoneme>S IY1 K W AH0 L</phoneme></lexeme><lexeme><grapheme>a</grapheme><phoneme alphabet="ipa">eɪ</phoneme></lexeme>', 'cmu-arpabet'))
    expect(rules.map((r) => r.type === 'phoneme' && r.alphabet)).toEqual(['cmu-arpabet', 'ipa'])
  })

  test('a DOCTYPE is refused before any entity is expanded (billion laughs, external entities)', () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lexicon [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><lexicon version="1.0" ${NS} alphabet="ipa"><lexeme><grapheme>&b;</grapheme><alias>x</alias></lexeme></lexicon>`
    expect(failure(laughs)).toMatch(/line 1, column \d+: DOCTYPE declarations are not allowed/)
    expect(failure(lexicon('<lexeme><grapheme>&xxe;</grapheme><alias>x</alias></lexeme>'))).toMatch(/^Not a valid PLS lexicon at line 2/)
  })

  test('what is not a usable lexicon names its place and reason', () => {
    expect(failure('<html><body>hi</body></html>')).toContain('not <lexicon>')
    expect(failure(lexicon('', 'x-sampa'))).toContain('"x-sampa" is not "ipa" or "cmu-arpabet"')
    expect(failure(lexicon('<lexeme><grapheme> </grapheme><alias>x</alias></lexeme>'))).toContain('non-empty <grapheme>')
    expect(failure(lexicon('<lexeme><grapheme>x</grapheme><alias></alias></lexeme>'))).toContain('an empty <alias>')
    expect(failure(lexicon('<lexeme><grapheme>x</grapheme></lexeme>'))).toContain('needs an <alias> or a non-empty <phoneme>')
    expect(failure(lexicon('<lexeme><grapheme>x</grapheme><phoneme alphabet="klingon">q</phoneme></lexeme>'))).toContain('"klingon"')
    expect(failure(lexicon(`${'<a>'.repeat(10)}${'</a>'.repeat(10)}`))).toContain('nested too deeply')
    expect(failure('')).toContain('document must contain a root element')
  })
})
