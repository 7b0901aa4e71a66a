/**
 * From what the client sent to the internal form engines render, in one order for every
 * route and session:
 *   1. markup parsed (when it applies, markup-detect.ts), else the text as one part;
 *   2. markdown and emoji removed (clean-up's first half), so rules see the words;
 *   3. pronunciation rules of the request's dictionaries applied;
 *   4. `<say-as>` spelled out, numbers, dates, addresses said as words (clean-up's second half).
 * Throws MarkupError for malformed markup.
 */
import type { RuleMatcher } from '../pronunciation/apply-rules.ts'
import { applyRules } from '../pronunciation/apply-rules.ts'
import { cleanMarkup, verbalizeDoc, type TextNormalization } from '../text-cleanup/clean-up.ts'
import type { MarkdownCleaner } from '../text-cleanup/markdown.ts'
import type { MarkupKind } from './markup-detect.ts'
import { plainDoc, type SpeechDoc } from './speech-doc.ts'
import { parseSsml } from './ssml-parse.ts'

export interface PrepareOptions {
  markup: MarkupKind
  /** The rules of the request's pronunciation dictionaries, if it named any. */
  rules?: RuleMatcher
  normalization: TextNormalization
  /** The engine that will speak normalises numbers and the like itself (for `auto`). */
  engineNormalizes?: boolean
  /** The voice's language. */
  language: string
  /** A streaming session's cleaner (its code-fence state spans messages). */
  markdown?: MarkdownCleaner
}

/**
 * @example
 * const doc = prepareSpeech('<speak>It costs $3 <break time="1s"/> **now**</speak>', { markup: 'ssml', normalization: 'auto', language: 'en-US' })
 */
export function prepareSpeech(text: string, options: PrepareOptions): SpeechDoc {
  const parsed = options.markup === 'none' ? plainDoc(text) : parseSsml(text, { fragment: options.markup === 'fragment' })
  const cleanup = {
    mode: options.normalization,
    language: options.language,
    ...(options.engineNormalizes !== undefined && { engineNormalizes: options.engineNormalizes }),
    ...(options.markdown && { markdown: options.markdown }),
  }
  const cleaned = cleanMarkup(parsed, cleanup)
  const ruled = options.rules ? applyRules(cleaned, options.rules) : cleaned
  return verbalizeDoc(ruled, cleanup)
}
