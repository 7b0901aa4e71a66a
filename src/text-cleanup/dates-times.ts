/**
 * Dates and clock times read as words. Month names come from ICU (Intl), numbers from
 * n2words; numeric dates are read in the language's order (month first in en-US only).
 */
import { englishYear } from './quantities.ts'
import type { VerbalizeContext, VerbalizeRule } from './verbalize-context.ts'

const isEnglish = (ctx: VerbalizeContext) => ctx.language.toLowerCase().startsWith('en')
const monthFirst = (ctx: VerbalizeContext) => /^en(-us)?$/i.test(ctx.language) || /^en-(ph|ca)$/i.test(ctx.language)

/**
 * Says a calendar date: "March fifteenth, twenty twenty-four" (en-US), "the fifteenth of March
 * twenty twenty-four" (other English), day month year with ICU's month name elsewhere.
 *
 * @example
 * sayDate(2024, 3, 15, verbalizeContext('en-US')!) // 'March fifteenth, twenty twenty-four'
 */
export function sayDate(year: number | undefined, month: number, day: number | undefined, ctx: VerbalizeContext): string | undefined {
  if (month < 1 || month > 12 || (day !== undefined && (day < 1 || day > 31))) return undefined
  let monthName: string
  try {
    monthName = new Intl.DateTimeFormat(ctx.language, { month: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2000, month - 1, 1)))
  } catch {
    return undefined
  }
  const yearWords = year === undefined ? '' : isEnglish(ctx) ? (englishYear(year, 'in ', ctx) ?? ctx.words.cardinal(String(year))) : ctx.words.cardinal(String(year))
  if (day === undefined) return [monthName, yearWords].filter(Boolean).join(' ')
  if (isEnglish(ctx)) {
    const dayWords = ctx.words.ordinal(String(day))
    if (monthFirst(ctx)) return `${monthName} ${dayWords}${yearWords ? `, ${yearWords}` : ''}`
    return `the ${dayWords} of ${monthName}${yearWords ? ` ${yearWords}` : ''}`
  }
  const dayWords = /^de/i.test(ctx.language) ? ctx.words.ordinal(String(day)) : ctx.words.cardinal(String(day))
  return [dayWords, monthName, yearWords].filter(Boolean).join(' ')
}

const fullYear = (y: string) => (y.length === 2 ? 2000 + Number(y) : Number(y))

/** 2024-03-15 (ISO), 03/15/2024 or 15/03/2024 (by language), 15.03.2024. */
const date: VerbalizeRule = {
  name: 'date',
  pattern: () => /(?<![\p{L}\p{N}])(?:(\d{4})-(\d{2})-(\d{2})|(\d{1,2})([/.])(\d{1,2})\5(\d{4}|\d{2}))(?![\p{L}\p{N}]|[.,/-]\d)/gu,
  say: (m, ctx) => {
    if (m[1]) return sayDate(Number(m[1]), Number(m[2]), Number(m[3]), ctx)
    const [a, b] = [Number(m[4]), Number(m[6])]
    const year = fullYear(m[7]!)
    return m[5] === '/' && monthFirst(ctx) ? sayDate(year, a, b, ctx) : sayDate(year, b, a, ctx)
  },
}

/** "March 15th" / "15 March" keep their month word; the day becomes an ordinal (English). */
const monthDay: VerbalizeRule = {
  name: 'month-day',
  pattern: () =>
    /\b(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? (\d{1,2})(?:st|nd|rd|th)?(?![\p{L}\p{N}:])/gu,
  say: (m, ctx) => (isEnglish(ctx) && Number(m[2]) >= 1 && Number(m[2]) <= 31 ? `${m[1]} ${ctx.words.ordinal(m[2]!)}` : undefined),
}

/**
 * Says a clock time: "three thirty p m", "nine o'clock", "fifteen hundred" (en); hours and
 * minutes joined by the language's hour word elsewhere ("fünfzehn Uhr dreißig").
 */
export function sayTime(hours: number, minutes: number, meridiem: string | undefined, ctx: VerbalizeContext): string | undefined {
  if (hours > 23 || minutes > 59 || (meridiem && (hours < 1 || hours > 12))) return undefined
  const card = (n: number) => ctx.words.cardinal(String(n))
  const ampm = meridiem ? ` ${meridiem.toLowerCase().replace(/\./g, '').split('').join(' ')}` : ''
  if (isEnglish(ctx)) {
    if (minutes === 0) return meridiem ? `${card(hours)}${ampm}` : hours > 12 || hours === 0 ? `${card(hours)} hundred` : `${card(hours)} o'clock`
    const mins = minutes < 10 ? `oh ${card(minutes)}` : card(minutes)
    return `${card(hours)} ${mins}${ampm}`
  }
  const hour = ctx.lexicon?.hour ?? ''
  if (minutes === 0) return `${card(hours)} ${ctx.lexicon?.oclock ?? ''}`.trim()
  return [card(hours), hour, card(minutes)].filter(Boolean).join(' ')
}

/** 15:30, 3:05 pm, 9:00, 3pm. */
const time: VerbalizeRule = {
  name: 'time',
  pattern: () => /(?<![\p{L}\p{N}:])(?:(\d{1,2}):(\d{2})(?::\d{2})?(?:\s?([AaPp]\.?[Mm]\.?))?|(\d{1,2})\s?([AaPp]\.?[Mm]\.?))(?![\p{L}\p{N}]|:\d)/gu,
  say: (m, ctx) => {
    if (m[4]) return isEnglish(ctx) ? sayTime(Number(m[4]), 0, m[5], ctx) : undefined
    if (m[3] && !isEnglish(ctx)) return undefined
    return sayTime(Number(m[1]), Number(m[2]), m[3], ctx)
  },
}

export const DATE_TIME_RULES: readonly VerbalizeRule[] = [date, monthDay, time]
