/**
 * What every verbalising rule needs to know about the language it speaks: its number words,
 * its few other words, and how it writes numbers (group and decimal separators).
 */
import { lexiconFor, type Lexicon } from './lexicon.ts'
import { numberWords, type NumberWords } from './number-words.ts'

export interface VerbalizeContext {
  /** BCP-47 tag of the voice (or of the enclosing `xml:lang`). */
  language: string
  words: NumberWords
  lexicon: Lexicon | undefined
  /** Characters the language groups thousands with and separates decimals with. */
  group: string
  decimal: string
  /** A regex source matching one written number of this language (no sign). */
  number: string
}

/** A rule: where it matches, and what to say instead (undefined: leave the text as written). */
export interface VerbalizeRule {
  name: string
  pattern: (ctx: VerbalizeContext) => RegExp
  say: (match: RegExpExecArray, ctx: VerbalizeContext) => string | undefined
}

const contexts = new Map<string, VerbalizeContext | null>()

/**
 * The context for `language`, or undefined when no number words exist for it (clean-up then
 * leaves numbers to the engine).
 *
 * @example
 * verbalizeContext('de-DE')?.decimal // ','
 */
export function verbalizeContext(language: string): VerbalizeContext | undefined {
  const key = language.toLowerCase()
  let ctx = contexts.get(key)
  if (ctx === undefined) {
    const words = numberWords(language)
    ctx = words ? build(language, words) : null
    contexts.set(key, ctx)
  }
  return ctx ?? undefined
}

function build(language: string, words: NumberWords): VerbalizeContext {
  let group = ','
  let decimal = '.'
  try {
    for (const part of new Intl.NumberFormat(language).formatToParts(1234.5)) {
      if (part.type === 'group') group = part.value
      if (part.type === 'decimal') decimal = part.value
    }
  } catch {
    // An unknown tag to Intl: keep the English separators.
  }
  const g = /\s/.test(group) ? '[ \\u00a0\\u202f]' : escape(group)
  const d = escape(decimal)
  return {
    language,
    words,
    lexicon: lexiconFor(language),
    group,
    decimal,
    number: `(?:\\d{1,3}(?:${g}\\d{3})+|\\d+)(?:${d}\\d+)?`,
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Reads a written number of the context's language: "1,234.5" (en) or "1.234,5" (de).
 *
 * @example
 * sayNumber('1,234.5', verbalizeContext('en')!) // 'one thousand two hundred thirty-four point five'
 */
export function sayNumber(written: string, ctx: VerbalizeContext): string {
  const [integer = '', fraction] = splitNumber(written, ctx)
  if (fraction === undefined) return ctx.words.cardinal(integer || '0')
  return ctx.words.decimal(integer, fraction, ctx.lexicon?.point ?? ctx.decimal)
}

/** [integer digits, fraction digits?] of a written number. */
export function splitNumber(written: string, ctx: VerbalizeContext): [string, string | undefined] {
  const at = written.lastIndexOf(ctx.decimal)
  const integerPart = at >= 0 ? written.slice(0, at) : written
  const fraction = at >= 0 ? written.slice(at + ctx.decimal.length) : undefined
  return [integerPart.replace(/\D/g, ''), fraction]
}
