/**
 * Pronunciation rules as ElevenLabs' API writes them: an alias rule says a string as other
 * text ("UN" → "United Nations"), a phoneme rule says it by its phonemes (IPA or CMU
 * Arpabet). Both match case-sensitively and on word boundaries unless told otherwise.
 */
import { z } from 'zod'

/** Longest `string_to_replace` and replacement, characters. */
export const MAX_RULE_STRING = 200
export const MAX_RULE_REPLACEMENT = 500

const nonBlank = (max: number, field: string) =>
  z
    .string()
    .max(max, `${field} is longer than ${max} characters`)
    .refine((s) => s.trim().length > 0, `${field} must not be empty`)

const common = {
  string_to_replace: nonBlank(MAX_RULE_STRING, 'string_to_replace'),
  case_sensitive: z.boolean().nullish(),
  word_boundaries: z.boolean().nullish(),
}

/** A rule as clients send it (add-from-rules, add-rules, set-rules). */
export const ruleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('alias'), ...common, alias: nonBlank(MAX_RULE_REPLACEMENT, 'alias') }),
  z.object({
    type: z.literal('phoneme'),
    ...common,
    phoneme: nonBlank(MAX_RULE_REPLACEMENT, 'phoneme'),
    alphabet: z.enum(['ipa', 'cmu-arpabet'], { message: 'alphabet must be "ipa" or "cmu-arpabet"' }),
  }),
])

export type RuleInput = z.infer<typeof ruleSchema>

interface RuleCommon {
  string_to_replace: string
  case_sensitive: boolean
  word_boundaries: boolean
}
export interface AliasRule extends RuleCommon {
  type: 'alias'
  alias: string
}
export interface PhonemeRule extends RuleCommon {
  type: 'phoneme'
  phoneme: string
  alphabet: 'ipa' | 'cmu-arpabet'
}
/** A stored rule, every field explicit (the response shape too). */
export type Rule = AliasRule | PhonemeRule

/**
 * Fills the defaults ElevenLabs documents: case-sensitive, on word boundaries.
 *
 * @example
 * toRule({ type: 'alias', string_to_replace: 'UN', alias: 'United Nations' })
 * // { type: 'alias', string_to_replace: 'UN', alias: 'United Nations', case_sensitive: true, word_boundaries: true }
 */
export function toRule(input: RuleInput): Rule {
  const base = { string_to_replace: input.string_to_replace, case_sensitive: input.case_sensitive ?? true, word_boundaries: input.word_boundaries ?? true }
  return input.type === 'alias' ? { type: 'alias', ...base, alias: input.alias } : { type: 'phoneme', ...base, phoneme: input.phoneme, alphabet: input.alphabet }
}

/**
 * Adds `added` to `rules`: a rule for a string already present replaces it, in place.
 *
 * @example
 * mergeRules([alias('a', 'x')], [alias('a', 'y'), alias('b', 'z')]) // [alias('a', 'y'), alias('b', 'z')]
 */
export function mergeRules(rules: readonly Rule[], added: readonly Rule[]): Rule[] {
  const out = [...rules]
  for (const rule of added) {
    const at = out.findIndex((r) => r.string_to_replace === rule.string_to_replace)
    if (at >= 0) out[at] = rule
    else out.push(rule)
  }
  return out
}

/** `rules` without those for the given strings (remove-rules). */
export function removeRules(rules: readonly Rule[], strings: readonly string[]): Rule[] {
  const gone = new Set(strings)
  return rules.filter((r) => !gone.has(r.string_to_replace))
}
