/**
 * Text clean-up of a whole document (`apply_text_normalization`, docs/api.md):
 * - `on`: markdown and emoji removed, numbers, dates, addresses... said as words;
 * - `off`: the text is spoken as written (only `<say-as>`, an explicit request, is still said);
 * - `auto` (the default unless `TTS_TEXT_NORMALIZATION` says otherwise): markdown and emoji are
 *   removed for every engine (none reads them well), and words are made of numbers only for
 *   engines that do not normalise text themselves (an engine capability).
 *
 * Phoneme parts are never touched: their text is what the client wants said as written.
 */
import type { MappedText } from '../markup/source-map.ts'
import type { SpeechDoc, SpeechPart, TextPart } from '../markup/speech-doc.ts'
import { stripEmoji } from './emoji.ts'
import { MarkdownCleaner } from './markdown.ts'
import { sayAsText } from './say-as.ts'
import { verbalize } from './verbalize.ts'

export const TEXT_NORMALIZATION_MODES = ['auto', 'on', 'off'] as const
export type TextNormalization = (typeof TEXT_NORMALIZATION_MODES)[number]

export interface CleanUpOptions {
  mode: TextNormalization
  /** The voice's language; `xml:lang` of a part wins over it. */
  language: string
  /** The engine reads numbers, dates and the like itself (`auto` then leaves them). */
  engineNormalizes?: boolean
  /** A streaming session passes its own cleaner so a code fence can span pieces of text. */
  markdown?: MarkdownCleaner
}

/** What `mode` means for an engine: [remove markdown and emoji, say numbers etc. as words]. */
export function cleanUpSteps(mode: TextNormalization, engineNormalizes = false): { markup: boolean; words: boolean } {
  if (mode === 'off') return { markup: false, words: false }
  if (mode === 'on') return { markup: true, words: true }
  return { markup: true, words: !engineNormalizes }
}

/**
 * The first half of clean-up, before pronunciation rules see the text: markdown and emoji out,
 * so a rule for "tomato" finds it inside `**tomato**`.
 *
 * @example
 * cleanMarkup(plainDoc('**Hi** 👋'), { mode: 'auto', language: 'en' }) // text 'Hi '
 */
export function cleanMarkup(doc: SpeechDoc, options: CleanUpOptions): SpeechDoc {
  if (!cleanUpSteps(options.mode, options.engineNormalizes).markup) return doc
  const markdown = options.markdown ?? new MarkdownCleaner()
  return mapText(doc, (part) => stripEmoji(markdown.clean(part.text)))
}

/**
 * The second half, after pronunciation rules: `<say-as>` spelled out (always), numbers,
 * dates and the like said as words (when the mode and engine call for it).
 *
 * @example
 * verbalizeDoc(plainDoc('$3'), { mode: 'on', language: 'en-US' }) // text 'three dollars'
 */
export function verbalizeDoc(doc: SpeechDoc, options: CleanUpOptions): SpeechDoc {
  const words = cleanUpSteps(options.mode, options.engineNormalizes).words
  const parts = doc.parts.map((part): SpeechPart => {
    if (part.type !== 'text') return part
    const language = part.style.lang ?? options.language
    if (part.sayAs) return { type: 'text', text: sayAsText(part.text, part.sayAs.interpretAs, part.sayAs.format, language), style: part.style }
    return words ? { ...part, text: verbalize(part.text, language) } : part
  })
  return { ...doc, parts }
}

/**
 * Both halves at once, for text no pronunciation rules apply to.
 *
 * @example
 * cleanUp(plainDoc('**Total:** $3.50 🎉'), { mode: 'auto', language: 'en-US' })
 * // one text part: 'Total: three dollars and fifty cents ' (mapped to the original)
 */
export function cleanUp(doc: SpeechDoc, options: CleanUpOptions): SpeechDoc {
  return verbalizeDoc(cleanMarkup(doc, options), options)
}

function mapText(doc: SpeechDoc, fn: (part: TextPart) => MappedText): SpeechDoc {
  return { ...doc, parts: doc.parts.map((part) => (part.type === 'text' && !part.sayAs ? { ...part, text: fn(part) } : part)) }
}
