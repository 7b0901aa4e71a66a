/**
 * Numbers as words in the voice's language, by n2words (71 languages, cardinal, ordinal and
 * currency forms, zero dependencies, one small module per locale). Chosen over to-words
 * (more locales, one bundle of them all) and written-number (no ordinals, no currency):
 * per-locale modules load only the languages a server actually speaks.
 *
 * Locale modules load on first use and stay cached (Bun's require loads ES modules
 * synchronously, so clean-up stays a plain function).
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

interface N2Words {
  toCardinal(value: number | bigint | string): string
  toOrdinal(value: number | bigint | string): string
  toCurrency(value: number | string): string
}

// Every locale n2words 4.0.0 ships.
const LOCALES = (
  'am-ET ar-SA az-AZ bn-BD cs-CZ da-DK de-DE el-GR en-AU en-BD en-CA en-GB en-GH en-IE en-IN en-KE en-MY en-NG en-NZ ' +
  'en-PH en-PK en-SG en-US en-ZA es-ES es-MX es-US fa-IR fi-FI fil-PH fr-BE fr-FR gu-IN ha-NG he-IL hi-IN hr-HR hu-HU ' +
  'id-ID it-IT ja-JP ka-GE kn-IN ko-KR lt-LT lv-LV mr-IN ms-MY nb-NO nl-NL pa-IN pl-PL pt-PT ro-RO ru-RU sr-Latn-RS ' +
  'sv-SE sw-KE ta-IN te-IN th-TH tr-TR uk-UA ur-PK vi-VN yo-NG zh-Hans-CN zh-Hant-TW'
).split(' ')
// The locale a bare language means, where the first listed would be a surprise.
const PREFERRED: Record<string, string> = { en: 'en-US', es: 'es-ES', pt: 'pt-PT', zh: 'zh-Hans-CN', fr: 'fr-FR', no: 'nb-NO', nn: 'nb-NO', sr: 'sr-Latn-RS' }

/** The n2words locale for a language tag (`en-GB`, `pt-BR`, `de`), or undefined when none speaks it. */
export function localeFor(language: string): string | undefined {
  const wanted = language.toLowerCase()
  const exact = LOCALES.find((l) => l.toLowerCase() === wanted)
  if (exact) return exact
  const primary = wanted.split(/[-_]/)[0]!
  return PREFERRED[primary] ?? LOCALES.find((l) => l.toLowerCase().startsWith(`${primary}-`))
}

const loaded = new Map<string, N2Words>()

function module(locale: string): N2Words {
  let m = loaded.get(locale)
  if (!m) {
    m = require(`n2words/${locale}`) as N2Words
    loaded.set(locale, m)
  }
  return m
}

/**
 * Number words for one language.
 *
 * @example
 * const words = numberWords('en-US')!
 * words.cardinal('1234')   // 'one thousand two hundred thirty-four'
 * words.decimal('3', '14') // 'three point one four'
 */
export interface NumberWords {
  locale: string
  cardinal(digits: string): string
  ordinal(digits: string): string
  /** Integer part as a number, the fraction digit by digit, joined by the language's decimal word. */
  decimal(integer: string, fraction: string, point: string): string
  /** Each digit on its own: "4 1 5" for telephone numbers and say-as digits. */
  digits(digits: string): string
  /** The locale's own currency (dollars for en-US, euros for de-DE), or undefined beyond cents. */
  currency(amount: string): string | undefined
}

export function numberWords(language: string, localeOverride?: string): NumberWords | undefined {
  const locale = localeOverride ?? localeFor(language)
  if (!locale) return undefined
  const m = module(locale)
  const cardinal = (digits: string) => m.toCardinal(BigInt(digits))
  const digits = (d: string) => [...d].filter((c) => c >= '0' && c <= '9').map((c) => m.toCardinal(Number(c))).join(' ')
  return {
    locale,
    cardinal,
    ordinal: (d) => m.toOrdinal(BigInt(d)),
    decimal: (integer, fraction, point) => `${cardinal(integer || '0')} ${point} ${digits(fraction)}`,
    digits,
    currency: (amount) => (/^\d+(\.\d{1,2})?$/.test(amount) && amount.length <= 15 ? m.toCurrency(amount) : undefined),
  }
}
