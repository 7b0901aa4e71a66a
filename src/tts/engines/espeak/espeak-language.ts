/**
 * `language_code` on espeak: the same voice variant (`+f3`, `+m1`) speaking another of
 * espeak-ng's languages, e.g. `en-us-f1` with `language_code: "de"` speaks as `de-f1` does.
 * A code espeak-ng has no voice for is the client's mistake (400), not a silent fallback.
 */
import type { Voice } from '../../engine.ts'
import { UnsupportedParamError } from '../../params/param-error.ts'
import { VOICES } from './espeak-voices.ts'

/** Language tag (lower case) → espeak-ng's selector for it, from the catalogue. */
const SELECTORS = new Map(VOICES.map((v) => [v.language.toLowerCase(), v.engineVoice.split('+')[0]!]))

const primary = (tag: string) => tag.split('-')[0]!

/**
 * The espeak-ng selector for `code`: the exact language, else the voice's own language when
 * it is a variety of it (`en` keeps `en-us`), else the language's main variety.
 */
function selectorFor(code: string, own: Voice): string | undefined {
  const tag = code.toLowerCase().replaceAll('_', '-')
  const exact = SELECTORS.get(tag)
  if (exact) return exact
  const wanted = primary(tag)
  if (primary(own.language.toLowerCase()) === wanted) return own.engineVoice.split('+')[0]
  const candidates = [...SELECTORS].filter(([language]) => primary(language) === wanted)
  return (candidates.find(([, selector]) => selector === wanted) ?? candidates[0])?.[1]
}

/**
 * `voice` speaking `code`, or `voice` itself without one.
 *
 * @example
 * inLanguage(resolveVoice('en-us-f1')!, 'de').engineVoice // 'de+f3'
 * inLanguage(resolveVoice('en-us-f1')!, 'en').engineVoice // 'en-us+f3'
 */
export function inLanguage(voice: Voice, code: string | undefined): Voice {
  if (!code) return voice
  const selector = selectorFor(code, voice)
  if (!selector) throw new UnsupportedParamError('language_code', 'unsupported_language', `language_code '${code.slice(0, 20)}' is not a language espeak-ng speaks; see GET /v1/voices for the languages there are.`)
  const variant = voice.engineVoice.split('+')[1]
  return { ...voice, engineVoice: variant ? `${selector}+${variant}` : selector }
}
