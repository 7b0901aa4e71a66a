/**
 * W3C Pronunciation Lexicon Specification (PLS 1.0) files, read and written: how dictionaries
 * are imported (add-from-file) and downloaded. A `<lexeme>` with an `<alias>` is an alias
 * rule, with a `<phoneme>` a phoneme rule (the lexicon's alphabet, or the phoneme's own);
 * each `<grapheme>` of a lexeme makes one rule. PLS has no place for case sensitivity or
 * word boundaries: imported rules take the defaults, as ElevenLabs' own import does.
 *
 * Parsed by saxes like SSML (strict, DTDs refused, positions in errors).
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes'
import { markupErrorAt } from '../markup/markup-error.ts'
import type { Rule } from './rules.ts'

/** A file that is not a usable PLS lexicon, with where and why. */
export class PlsError extends Error {
  override readonly name = 'PlsError'
}

const ALPHABETS = new Set(['ipa', 'cmu-arpabet'])
const local = (name: string) => name.slice(name.indexOf(':') + 1)

interface Lexeme {
  graphemes: string[]
  alias?: string
  phoneme?: { ph: string; alphabet: string }
  at: number
}

/**
 * @example
 * parsePls('<lexicon version="1.0" alphabet="ipa" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">' +
 *   '<lexeme><grapheme>UN</grapheme><alias>United Nations</alias></lexeme></lexicon>')
 * // [{ type: 'alias', string_to_replace: 'UN', alias: 'United Nations', case_sensitive: true, word_boundaries: true }]
 */
export function parsePls(xml: string): Rule[] {
  const parser = new SaxesParser({ position: true, xmlns: false })
  const fail = (at: number, reason: string): never => {
    const err = markupErrorAt(xml, at, reason)
    throw new PlsError(`Not a valid PLS lexicon at line ${err.line}, column ${err.column}: ${reason}`)
  }
  let alphabet = ''
  let depth = 0
  let lexeme: Lexeme | undefined
  let field: { name: string; text: string; alphabet?: string } | undefined
  const lexemes: Lexeme[] = []
  parser.on('error', (err) => fail(parser.position - 1, err.message.replace(/^\d+:\d+: /, '').replace(/\.$/, '')))
  parser.on('doctype', () => fail(xml.indexOf('<!DOCTYPE'), 'DOCTYPE declarations are not allowed'))
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = local(tag.name)
    const attrs = tag.attributes as Record<string, string>
    const at = xml.lastIndexOf('<', parser.position - 1)
    depth++
    if (depth > 8) fail(at, 'elements nested too deeply')
    if (depth === 1) {
      if (name !== 'lexicon') fail(at, `the root element is <${tag.name}>, not <lexicon>`)
      alphabet = attrs.alphabet ?? ''
      if (!ALPHABETS.has(alphabet)) fail(at, `lexicon alphabet "${alphabet.slice(0, 40)}" is not "ipa" or "cmu-arpabet"`)
    } else if (name === 'lexeme' && depth === 2) {
      lexeme = { graphemes: [], at }
    } else if (lexeme && depth === 3 && (name === 'grapheme' || name === 'alias' || name === 'phoneme')) {
      field = { name, text: '', ...(attrs.alphabet && { alphabet: attrs.alphabet }) }
    }
  })
  parser.on('text', (text) => {
    if (field) field.text += text
  })
  parser.on('cdata', (text) => {
    if (field) field.text += text
  })
  parser.on('closetag', (tag: SaxesTagPlain) => {
    const name = local(tag.name)
    depth--
    if (field && name === field.name && lexeme) {
      const text = field.text.trim()
      if (name === 'grapheme') lexeme.graphemes.push(text)
      // The first alias or phoneme of a lexeme is the one spoken (PLS' own preference order).
      else if (name === 'alias') lexeme.alias ??= text
      else lexeme.phoneme ??= { ph: text, alphabet: field.alphabet ?? alphabet }
      field = undefined
    } else if (name === 'lexeme' && lexeme) {
      lexemes.push(lexeme)
      lexeme = undefined
    }
  })
  parser.write(xml).close()
  if (!alphabet) fail(0, 'no <lexicon> element')
  return lexemes.flatMap((l) => rulesOf(l, fail))
}

function rulesOf(lexeme: Lexeme, fail: (at: number, reason: string) => never): Rule[] {
  if (lexeme.graphemes.length === 0 || lexeme.graphemes.some((g) => !g)) fail(lexeme.at, 'a <lexeme> needs a non-empty <grapheme>')
  const base = { case_sensitive: true, word_boundaries: true }
  if (lexeme.alias !== undefined) {
    if (!lexeme.alias) fail(lexeme.at, 'an empty <alias>')
    return lexeme.graphemes.map((g) => ({ type: 'alias', string_to_replace: g, alias: lexeme.alias!, ...base }))
  }
  const phoneme = lexeme.phoneme
  if (!phoneme?.ph) fail(lexeme.at, 'a <lexeme> needs an <alias> or a non-empty <phoneme>')
  if (!ALPHABETS.has(phoneme!.alphabet)) fail(lexeme.at, `phoneme alphabet "${phoneme!.alphabet.slice(0, 40)}" is not "ipa" or "cmu-arpabet"`)
  return lexeme.graphemes.map((g) => ({ type: 'phoneme', string_to_replace: g, phoneme: phoneme!.ph, alphabet: phoneme!.alphabet as 'ipa' | 'cmu-arpabet', ...base }))
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/**
 * Writes `rules` as a PLS 1.0 lexicon (IPA by default; Arpabet phonemes say so on the element).
 *
 * @example
 * serializePls([{ type: 'alias', string_to_replace: 'UN', alias: 'United Nations', case_sensitive: true, word_boundaries: true }], 'en-US')
 */
export function serializePls(rules: readonly Rule[], language = 'en-US'): string {
  const lexemes = rules.map((rule) => {
    const body =
      rule.type === 'alias'
        ? `<alias>${escape(rule.alias)}</alias>`
        : `<phoneme${rule.alphabet === 'ipa' ? '' : ` alphabet="${rule.alphabet}"`}>${escape(rule.phoneme)}</phoneme>`
    return `  <lexeme>\n    <grapheme>${escape(rule.string_to_replace)}</grapheme>\n    ${body}\n  </lexeme>\n`
  })
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" xml:lang="${escape(language)}">\n` +
    lexemes.join('') +
    '</lexicon>\n'
  )
}
