/**
 * Text written for the eye, rewritten for the ear: numbers, ordinals, currency, percentages,
 * dates, times, telephone numbers, units, URLs and e-mail addresses become words in the
 * voice's language. Rules run in priority order (an e-mail address before the numbers in
 * it, a date before its digits) and a later rule never touches what an earlier one took.
 */
import { applyEdits, type Edit, type MappedText } from '../markup/source-map.ts'
import { CONTACT_RULES } from './contacts.ts'
import { DATE_TIME_RULES } from './dates-times.ts'
import { QUANTITY_RULES } from './quantities.ts'
import { verbalizeContext, type VerbalizeContext, type VerbalizeRule } from './verbalize-context.ts'

const byName = (rules: readonly VerbalizeRule[], name: string) => rules.find((r) => r.name === name)!
// email/url, then dates and times, then telephone numbers, then quantities.
const RULES: readonly VerbalizeRule[] = [
  byName(CONTACT_RULES, 'email'),
  byName(CONTACT_RULES, 'url'),
  ...DATE_TIME_RULES,
  byName(CONTACT_RULES, 'telephone'),
  ...QUANTITY_RULES,
]

const compiled = new WeakMap<VerbalizeContext, ReadonlyArray<[VerbalizeRule, RegExp]>>()

function patterns(ctx: VerbalizeContext): ReadonlyArray<[VerbalizeRule, RegExp]> {
  let list = compiled.get(ctx)
  if (!list) {
    list = RULES.map((rule) => [rule, rule.pattern(ctx)] as [VerbalizeRule, RegExp])
    compiled.set(ctx, list)
  }
  return list
}

/**
 * @example
 * verbalize(identityText('It costs $3.50 on 2024-03-15.'), 'en-US').text
 * // 'It costs three dollars and fifty cents on March fifteenth, twenty twenty-four.'
 */
export function verbalize(text: MappedText, language: string): MappedText {
  const ctx = verbalizeContext(language)
  if (!ctx || !/\d|@|\.[a-z]/i.test(text.text)) return text
  const taken: Edit[] = []
  for (const [rule, pattern] of patterns(ctx)) {
    pattern.lastIndex = 0
    for (const m of text.text.matchAll(pattern)) {
      const start = m.index
      const end = start + m[0].length
      if (taken.some((e) => e.start < end && start < e.end)) continue
      const said = rule.say(m as RegExpExecArray, ctx)
      if (said !== undefined) taken.push({ start, end, replacement: said })
    }
  }
  return applyEdits(text, taken)
}
