/**
 * What a request's markup, pronunciation dictionaries and text clean-up mean for it, decided
 * before the cache is asked:
 * - its cache key's share: markup kind, clean-up steps, dictionary versions and language, so
 *   a change to any of them is new audio (and text none of them touches keys exactly as before);
 * - the document to synthesise: parsed at once when the request has markup or dictionaries
 *   (malformed markup is the client's 400 before anything starts, and what the engine cannot
 *   honour is known for X-TTS-Ignored even on a cache hit); for clean-up alone, prepared only
 *   when the cache misses, so a hit costs no clean-up;
 * - nothing at all for text none of it touches: the engine reads the text as it always did.
 */
import type { ResolvedRules } from '../pronunciation/dictionaries.ts'
import type { SpeechReading } from '../tts/engine.ts'
import { cleanUpSteps, type TextNormalization } from '../text-cleanup/clean-up.ts'
import type { MarkupKind } from './markup-detect.ts'
import { prepareSpeech } from './prepare-speech.ts'
import type { SpeechDoc } from './speech-doc.ts'

export interface SpeechPlanInput {
  /** The client's text exactly as sent. */
  text: string
  markup: MarkupKind
  rules?: ResolvedRules
  normalization: TextNormalization
  /** How the engine that serves the voice reads speech. */
  reading: SpeechReading
  /** The language clean-up speaks (the voice's, or the request's `language_code`). */
  language: string
}

export interface SpeechPlan {
  /** The cache key's share; undefined when the text is spoken as it was before markup existed. */
  key?: string
  /** The document, or how to make it on a miss; undefined: plain text. */
  speech?: SpeechDoc | (() => SpeechDoc)
  /** What the engine cannot honour of the markup (known when markup or dictionaries are used). */
  ignored: string[]
}

// Characters some clean-up step acts on: markdown and emoji, and what is said as words.
const MARKUP_CHARS = /[*_#>[`~|]|^\s*[-+]\s|\p{Extended_Pictographic}|[\u{1F1E6}-\u{1F1FF}\u{20E3}\u{FE0F}\u{200D}]/mu
const WORD_CHARS = /\d|@|\.[a-z]{2}|www\.|:\/\//i

/**
 * True when a clean-up step could change `text` (a cheap look for the characters they act on).
 *
 * @example
 * touchesText('Hello there', { markup: true, words: true }) // false
 * touchesText('**Hi**', { markup: true, words: false })     // true
 */
export function touchesText(text: string, steps: { markup: boolean; words: boolean }): boolean {
  return (steps.markup && MARKUP_CHARS.test(text)) || (steps.words && WORD_CHARS.test(text))
}

/**
 * @example
 * const plan = planSpeech({ text: 'It costs $3.', markup: 'none', normalization: 'auto', reading: engine.speech(voice), language: 'en-US' })
 * plan.key // 'm,w|en-US||'
 */
export function planSpeech(input: SpeechPlanInput): SpeechPlan {
  const steps = cleanUpSteps(input.normalization, input.reading.normalizesText)
  const cleans = touchesText(input.text, steps)
  const explicit = input.markup !== 'none' || (input.rules !== undefined && input.rules.matcher.size > 0)
  if (!explicit && !cleans) return { ignored: [] }
  const flags = [steps.markup && 'm', steps.words && 'w'].filter(Boolean).join(',')
  // The client's own text too: alignment of a hit indexes it, so two spellings of one text are two entries.
  const key = [input.markup, flags, input.language, input.rules?.versions.join(',') ?? '', input.text].join('|')
  const prepare = () =>
    prepareSpeech(input.text, {
      markup: input.markup,
      ...(input.rules && { rules: input.rules.matcher }),
      normalization: input.normalization,
      engineNormalizes: input.reading.normalizesText,
      language: input.language,
    })
  if (!explicit) return { key, speech: prepare, ignored: [] }
  const doc = prepare()
  return { key, speech: doc, ignored: [...new Set([...doc.ignored, ...input.reading.render(doc).ignored])] }
}

/** The document of a plan, made now if it was deferred (on a cache miss). */
export function speechOf(plan: Pick<SpeechPlan, 'speech'>): SpeechDoc | undefined {
  return typeof plan.speech === 'function' ? plan.speech() : plan.speech
}
