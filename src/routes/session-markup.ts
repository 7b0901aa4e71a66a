/**
 * A streaming session's markup, dictionaries and clean-up (markup/stream-speech.ts), from its
 * settings: `enable_ssml_parsing`, `apply_text_normalization` (else TTS_TEXT_NORMALIZATION),
 * the language, and the dictionaries its locators name, resolved at once for the calling key.
 */
import { StreamSpeech } from '../markup/stream-speech.ts'
import { DictionaryError, type ResolvedRules } from '../pronunciation/dictionaries.ts'
import type { SessionSetup, StreamDeps } from './stream-context.ts'

/**
 * A locator of a dictionary that is missing or another key's makes `fail` close the session (1008).
 *
 * @example
 * const markup = sessionMarkup(deps, options, key?.id ?? '', (err) => this.fail(err))
 */
export function sessionMarkup(deps: Pick<StreamDeps, 'dictionaries' | 'engine' | 'textNormalization'>, options: SessionSetup, owner: string, fail: (err: unknown) => void): StreamSpeech {
  const { params, voice } = options
  const locators = params.pronunciation_dictionary_locators
  let rules: Promise<ResolvedRules> | undefined
  if (locators?.length) {
    rules = deps.dictionaries
      ? deps.dictionaries.resolve(owner, locators)
      : Promise.reject(new DictionaryError('locator', 'pronunciation_dictionary_locators: this server keeps no pronunciation dictionaries.'))
    rules.catch(fail)
  }
  const reading = deps.engine.speech?.(voice)
  return new StreamSpeech({
    ssml: params.enable_ssml_parsing === true,
    mode: params.apply_text_normalization ?? deps.textNormalization ?? 'auto',
    language: params.language_code ?? voice.language,
    ...(reading && { engineNormalizes: reading.normalizesText }),
    ...(rules && { rules }),
  })
}
