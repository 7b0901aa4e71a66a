/**
 * Quantities read as words: currency amounts, percentages, measurements, ordinals and plain
 * numbers (with English years said the way people say them).
 */
import { numberWords } from './number-words.ts'
import { sayNumber, splitNumber, type VerbalizeContext, type VerbalizeRule } from './verbalize-context.ts'

// A number standing on its own: not glued to letters or other digits ("MP3", "A4", "3D" stay).
// A hyphen after letters is part of a name ("COVID-19"), after a digit a range ("5-10").
const BEFORE = '(?<![\\p{L}\\p{N}_.,]|\\p{L}-)'
const AFTER = '(?![\\p{L}\\p{N}_]|[.,]\\d)'

const SYMBOLS: Record<string, { code: string; english: string }> = {
  $: { code: 'USD', english: 'en-US' },
  '£': { code: 'GBP', english: 'en-GB' },
  '€': { code: 'EUR', english: 'en-IE' },
  '₹': { code: 'INR', english: 'en-IN' },
  '¥': { code: 'JPY', english: '' },
}
const CODES = ['USD', 'EUR', 'GBP', 'JPY', 'INR', 'CHF', 'CAD', 'AUD']
const SCALE = '(?:\\s?(million|billion|trillion|thousand|bn|[mMkK])(?![\\p{L}]))?'

/** "$3.50" → "three dollars and fifty cents"; "€2 million" → "two million euros"; "12 EUR". */
const currency: VerbalizeRule = {
  name: 'currency',
  pattern: (ctx) =>
    new RegExp(`${BEFORE}(?:([$£€₹¥])\\s?(${ctx.number})${SCALE}|(${ctx.number})\\s?(${CODES.join('|')}|[$£€₹¥])(?![\\p{L}\\p{N}]))`, 'gu'),
  say: (m, ctx) => {
    const symbol = m[1]
    const code = symbol ? SYMBOLS[symbol]!.code : (SYMBOLS[m[5]!]?.code ?? m[5]!)
    const written = symbol ? m[2]! : m[4]!
    const scale = symbol ? m[3] : undefined
    const [integer, fraction] = splitNumber(written, ctx)
    const amount = fraction === undefined ? integer : `${integer}.${fraction}`
    const own = ownCurrency(ctx, code)
    if (own && !scale) {
      const said = own.currency(amount)
      if (said) return said
    }
    const name = currencyName(ctx.language, code, Boolean(scale) || fraction !== undefined || integer !== '1')
    const scaleWord = scale ? ` ${SCALE_WORDS[scale.toLowerCase()] ?? scale}` : ''
    return `${sayNumber(written, ctx)}${scaleWord} ${name}`
  },
}

const SCALE_WORDS: Record<string, string> = { k: 'thousand', m: 'million', bn: 'billion' }

// n2words speaks the currency of its locale: dollars for en-US, euros for de-DE or en-IE.
function ownCurrency(ctx: VerbalizeContext, code: string) {
  const primary = ctx.language.toLowerCase().split('-')[0]
  if (primary === 'en') {
    const locale = Object.values(SYMBOLS).find((s) => s.code === code)?.english
    return locale ? numberWords('en', locale) : undefined
  }
  const localCode = localCurrency(ctx.words.locale)
  return localCode === code ? ctx.words : undefined
}

function localCurrency(locale: string): string | undefined {
  try {
    const region = new Intl.Locale(locale).maximize().region
    return region ? REGION_CURRENCY[region] : undefined
  } catch {
    return undefined
  }
}
const REGION_CURRENCY: Record<string, string> = { DE: 'EUR', FR: 'EUR', ES: 'EUR', IT: 'EUR', PT: 'EUR', NL: 'EUR', BE: 'EUR', IE: 'EUR', FI: 'EUR', US: 'USD', GB: 'GBP', IN: 'INR', JP: 'JPY' }

/** The currency's name in the language, from ICU ("US dollars", "euros", "Euro"). */
function currencyName(language: string, code: string, plural: boolean): string {
  try {
    const parts = new Intl.NumberFormat(language, { style: 'currency', currency: code, currencyDisplay: 'name' }).formatToParts(plural ? 2 : 1)
    return parts.filter((p) => p.type === 'currency').map((p) => p.value).join('') || code
  } catch {
    return code
  }
}

/** "50%" → "fifty percent" (languages whose lexicon has the word). */
const percent: VerbalizeRule = {
  name: 'percent',
  pattern: (ctx) => new RegExp(`${BEFORE}(-)?(${ctx.number})\\s?%`, 'gu'),
  say: (m, ctx) => (ctx.lexicon ? `${m[1] ? `${ctx.lexicon.minus} ` : ''}${sayNumber(m[2]!, ctx)} ${ctx.lexicon.percent}` : undefined),
}

// Units ICU names in every language; the rest (electrical units) only in English.
const UNITS: Record<string, string> = {
  km: 'kilometer', m: 'meter', cm: 'centimeter', mm: 'millimeter', mi: 'mile', ft: 'foot', yd: 'yard',
  kg: 'kilogram', g: 'gram', mg: 'milligram', lb: 'pound', lbs: 'pound', oz: 'ounce', l: 'liter', L: 'liter',
  ml: 'milliliter', mL: 'milliliter', 'km/h': 'kilometer-per-hour', kmh: 'kilometer-per-hour', mph: 'mile-per-hour',
  '°C': 'celsius', '°F': 'fahrenheit', kB: 'kilobyte', KB: 'kilobyte', MB: 'megabyte', GB: 'gigabyte', TB: 'terabyte',
  ms: 'millisecond', s: 'second', sec: 'second', min: 'minute', h: 'hour', hr: 'hour', hrs: 'hour',
}
const ENGLISH_UNITS: Record<string, [string, string]> = {
  Hz: ['hertz', 'hertz'], kHz: ['kilohertz', 'kilohertz'], MHz: ['megahertz', 'megahertz'], GHz: ['gigahertz', 'gigahertz'],
  W: ['watt', 'watts'], kW: ['kilowatt', 'kilowatts'], kWh: ['kilowatt hour', 'kilowatt hours'], V: ['volt', 'volts'], mAh: ['milliamp hour', 'milliamp hours'],
}
const UNIT_NAMES = [...Object.keys(UNITS), ...Object.keys(ENGLISH_UNITS)].sort((a, b) => b.length - a.length).map((u) => u.replace('/', '\\/'))

/** "5 km" → "five kilometers"; "20°C" → "twenty degrees Celsius". */
const unit: VerbalizeRule = {
  name: 'unit',
  pattern: (ctx) => new RegExp(`${BEFORE}(-)?(${ctx.number})\\s?(${UNIT_NAMES.join('|')})(?![\\p{L}\\p{N}])`, 'gu'),
  say: (m, ctx) => {
    const minus = m[1] ? `${ctx.lexicon?.minus ?? '-'} ` : ''
    const written = m[2]!
    const symbol = m[3]!
    const value = Number(splitNumber(written, ctx).join('.').replace(/\.$/, ''))
    const icu = UNITS[symbol]
    if (icu) {
      try {
        const parts = new Intl.NumberFormat(ctx.language, { style: 'unit', unit: icu, unitDisplay: 'long', maximumFractionDigits: 20 }).formatToParts(value)
        let out = ''
        let numberDone = false
        for (const p of parts) {
          if (['integer', 'group', 'decimal', 'fraction'].includes(p.type)) {
            if (!numberDone) out += sayNumber(written, ctx)
            numberDone = true
          } else out += p.value
        }
        return minus + out.replace(/\s+/g, ' ').trim()
      } catch {
        return undefined
      }
    }
    const english = ENGLISH_UNITS[symbol]
    if (!english || !ctx.language.toLowerCase().startsWith('en')) return undefined
    return `${minus}${sayNumber(written, ctx)} ${value === 1 ? english[0] : english[1]}`
  },
}

/** "21st" → "twenty-first" (English suffixes). */
const ordinal: VerbalizeRule = {
  name: 'ordinal',
  pattern: () => /(?<![\p{L}\p{N}])(\d+)(st|nd|rd|th)(?![\p{L}\p{N}])/gu,
  say: (m, ctx) => (ctx.language.toLowerCase().startsWith('en') ? ctx.words.ordinal(m[1]!) : undefined),
}

/** Plain numbers, signed; English four-digit years as people say them. */
const number: VerbalizeRule = {
  name: 'number',
  pattern: (ctx) => new RegExp(`(?:(?<=^|[\\s(])(-))?${BEFORE}(${ctx.number})${AFTER}`, 'gu'),
  say: (m, ctx) => {
    const minus = m[1] ? `${ctx.lexicon?.minus ?? '-'} ` : ''
    const written = m[2]!
    if (!minus && /^\d{4}$/.test(written) && ctx.language.toLowerCase().startsWith('en')) {
      const year = englishYear(Number(written), m.input.slice(Math.max(0, m.index - 12), m.index), ctx)
      if (year) return year
    }
    return minus + sayNumber(written, ctx)
  },
}

const YEAR_CONTEXT = /\b(in|since|by|until|till|from|of|year|before|after|during|to|and|circa|around)\s+$/i

/**
 * 1999 → "nineteen ninety-nine", 1500 → "fifteen hundred"; 2024 → "twenty twenty-four" only
 * where the words before it say it is a year ("in 2024"): "2050 people" stays a count.
 */
export function englishYear(n: number, before: string, ctx: VerbalizeContext): string | undefined {
  const card = (x: number) => ctx.words.cardinal(String(x))
  const pair = (hi: number, lo: number) => (lo === 0 ? `${card(hi)} hundred` : lo < 10 ? `${card(hi)} oh ${card(lo)}` : `${card(hi)} ${card(lo)}`)
  if (n >= 1100 && n <= 1999 && n % 1000 !== 0) return pair(Math.floor(n / 100), n % 100)
  if (n >= 2010 && n <= 2099 && YEAR_CONTEXT.test(before)) return `${card(20)} ${card(n % 100)}`
  return undefined
}

export const QUANTITY_RULES: readonly VerbalizeRule[] = [currency, percent, unit, ordinal, number]
