/**
 * Text clean-up of a whole document (DESIGN.md `apply_text_normalization`):
 * - `on`: markdown and emoji removed, numbers, dates, addresses... said as words;
 * - `off`: the text is spoken as written (only `<say-as>`, an explicit request, is still said);
 * - `auto` (the default unless `TTS_TEXT_NORMALIZATION` says otherwise): markdown and emoji are
 *   removed for every engine (none reads them well), and words are made of numbers only for
 *   engines that do not normalise text themselves (an engine capability).
 *
 * Phoneme parts are never touched: their text is what the client wants said as written.
 */
import type { SpeechDoc, SpeechPart } from '../markup/speech-doc.ts'
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
 * @example
 * cleanUp(plainDoc('**Total:** $3.50 🎉'), { mode: 'auto', language: 'en-US' })
 * // one text part: 'Total: three dollars and fifty cents ' (mapped to the original)
 */
export function cleanUp(doc: SpeechDoc, options: CleanUpOptions): SpeechDoc {
  const steps = cleanUpSteps(options.mode, options.engineNormalizes)
  const markdown = options.markdown ?? new MarkdownCleaner()
  const parts = doc.parts.map((part): SpeechPart => {
    if (part.type !== 'text') return part
    const language = part.style.lang ?? options.language
    if (part.sayAs) return { type: 'text', text: sayAsText(part.text, part.sayAs.interpretAs, part.sayAs.format, language), style: part.style }
    let text = part.text
    if (steps.markup) text = stripEmoji(markdown.clean(text))
    if (steps.words) text = verbalize(text, language)
    return text === part.text ? part : { ...part, text }
  })
  return { ...doc, parts }
}
