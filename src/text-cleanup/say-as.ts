/**
 * `<say-as interpret-as>` spelled out as words, the same for every engine (so a phrase sounds
 * alike whichever engine speaks it). Said whatever `apply_text_normalization` is: the
 * client asked for this reading explicitly. Content that does not fit the reading (letters in
 * a `cardinal`) is left as written.
 */
import { applyEdits, type MappedText } from '../markup/source-map.ts'
import type { SayAs } from '../markup/speech-doc.ts'
import { sayDate, sayTime } from './dates-times.ts'
import { sayNumber, verbalizeContext } from './verbalize-context.ts'

/**
 * @example
 * sayAsText(identityText('abc'), 'characters', undefined, 'en').text  // 'A-B-C'
 * sayAsText(identityText('12'), 'ordinal', undefined, 'en').text      // 'twelfth'
 * sayAsText(identityText('3/4'), 'date', 'dm', 'en-US').text          // 'April third'
 */
export function sayAsText(text: MappedText, interpretAs: SayAs, format: string | undefined, language: string): MappedText {
  const said = say(text.text.trim(), interpretAs, format, language)
  if (said === undefined) return text
  return applyEdits(text, [{ start: 0, end: text.text.length, replacement: said }])
}

function say(content: string, interpretAs: SayAs, format: string | undefined, language: string): string | undefined {
  if (!content) return undefined
  if (interpretAs === 'characters' || interpretAs === 'spell-out') {
    // Capitals joined by hyphens are read as letter names by espeak-ng and by neural engines alike
    // ("A-B-C"), where "a b c" would give the article "a".
    return content
      .split(/\s+/)
      .map((word) => [...word.toLocaleUpperCase(language)].join('-'))
      .join(' ')
  }
  const ctx = verbalizeContext(language)
  if (!ctx) return undefined
  const digits = content.replace(/\D/g, '')
  switch (interpretAs) {
    case 'cardinal':
      return new RegExp(`^-?${ctx.number}$`).test(content) ? `${content.startsWith('-') ? `${ctx.lexicon?.minus ?? '-'} ` : ''}${sayNumber(content.replace(/^-/, ''), ctx)}` : undefined
    case 'ordinal':
      return /^\d+\.?(st|nd|rd|th)?$/.test(content) ? ctx.words.ordinal(digits) : undefined
    case 'digits':
      return digits ? ctx.words.digits(digits) : undefined
    case 'telephone': {
      const groups = content.split(/[^\d]+/).filter(Boolean)
      return groups.length ? `${content.startsWith('+') ? `${ctx.lexicon?.plus ?? '+'} ` : ''}${groups.map((g) => ctx.words.digits(g)).join(', ')}` : undefined
    }
    case 'date':
      return sayDateAs(content, format, language)
    case 'time': {
      const m = /^(\d{1,2})(?::(\d{2}))?(?::\d{2})?\s*([AaPp]\.?[Mm]\.?)?$/.exec(content)
      return m ? sayTime(Number(m[1]), Number(m[2] ?? 0), m[3], ctx) : undefined
    }
  }
}

/**
 * SSML's date formats: which of day, month and year the numbers are, in order (`mdy`, `dmy`,
 * `ymd`, `md`, ...), also written with widths as Amazon Polly and Google take them
 * (`yyyymmdd`, `dd-mm-yyyy`), which cut a date written without separators (`20240315`).
 */
function sayDateAs(content: string, format: string | undefined, language: string): string | undefined {
  const ctx = verbalizeContext(language)!
  const letters = format?.toLowerCase().replace(/[^dmy]/g, '') ?? ''
  const runs = letters.match(/d+|m+|y+/g) ?? []
  const given = runs.map((run) => run[0]).join('')
  const numbers = /^\d+$/.test(content) && runs.length > 1 && letters.length === content.length ? slices(content, runs.map((run) => run.length)) : content.split(/\D+/).filter(Boolean)
  const order = /^(?!.*(.).*\1)[dmy]{1,3}$/.test(given) ? given : numbers[0]?.length === 4 ? 'ymd' : /^en(-us)?$/i.test(language) ? 'mdy' : 'dmy'
  if (order.length !== numbers.length) return undefined
  const field = (letter: string) => {
    const at = order.indexOf(letter)
    return at >= 0 ? Number(numbers[at]) : undefined
  }
  const [day, month, year] = [field('d'), field('m'), field('y')]
  if (month === undefined) return year !== undefined ? ctx.words.cardinal(String(year)) : undefined
  return sayDate(year === undefined ? undefined : year < 100 ? 2000 + year : year, month, day, ctx)
}

function slices(text: string, widths: number[]): string[] {
  let at = 0
  return widths.map((width) => text.slice(at, (at += width)))
}
