import { describe, expect, test } from 'bun:test'
import { plainDoc, plainText, type SpeechDoc } from '../markup/speech-doc.ts'
import { applyRules, RuleMatcher } from './apply-rules.ts'
import { toRule, type Rule } from './rules.ts'

const alias = (from: string, to: string, extra: Partial<Rule> = {}): Rule => ({ ...toRule({ type: 'alias', string_to_replace: from, alias: to }), ...extra }) as Rule
const phoneme = (from: string, ph: string): Rule => toRule({ type: 'phoneme', string_to_replace: from, phoneme: ph, alphabet: 'ipa' })
const apply = (text: string, rules: Rule[]): SpeechDoc => applyRules(plainDoc(text), new RuleMatcher(rules))

describe('applyRules', () => {
  test('an alias replaces its string with text that maps to the string', () => {
    const doc = apply('The UN met.', [alias('UN', 'United Nations')])
    expect(plainText(doc)).toBe('The United Nations met.')
    const part = doc.parts[0]!
    if (part.type !== 'text') throw new Error('text expected')
    expect(part.text.spanToSource(4, 18)).toEqual({ start: 4, end: 6 })
  })

  test('a phoneme rule makes a phoneme part of its word', () => {
    const doc = apply('I like tomato soup', [phoneme('tomato', 'təˈmɑːtoʊ')])
    expect(doc.parts.map((p) => p.type)).toEqual(['text', 'phoneme', 'text'])
    expect(doc.parts[1]).toMatchObject({ ph: 'təˈmɑːtoʊ', alphabet: 'ipa' })
  })

  test('case sensitivity and word boundaries as each rule says', () => {
    expect(plainText(apply('un UN Un', [alias('UN', 'United Nations')]))).toBe('un United Nations Un')
    expect(plainText(apply('un UN Un', [alias('UN', 'United Nations', { case_sensitive: false })]))).toBe('United Nations United Nations United Nations')
    expect(plainText(apply('UNESCO UN', [alias('UN', 'U N')]))).toBe('UNESCO U N')
    expect(plainText(apply('UNESCO', [alias('UN', 'U N ', { word_boundaries: false })]))).toBe('U N ESCO')
    expect(plainText(apply("the tomato's skin", [alias('tomato', 'tomayto')]))).toBe("the tomayto's skin")
  })

  test('the longest rule wins, then the first dictionary’s', () => {
    expect(plainText(apply('New York City', [alias('New York', 'NY'), alias('New York City', 'NYC')]))).toBe('NYC')
    expect(plainText(apply('gif', [alias('gif', 'jif'), alias('gif', 'ghif')]))).toBe('jif')
  })

  test('replacements are not searched again', () => {
    expect(plainText(apply('a', [alias('a', 'b'), alias('b', 'c')]))).toBe('b')
  })

  test('a thousand rules apply in one pass', () => {
    const rules = Array.from({ length: 1000 }, (_, i) => alias(`word${i}`, `alias${i}`))
    expect(plainText(apply('say word7 and word999 but not word1000', rules))).toBe('say alias7 and alias999 but not word1000')
  })
})
