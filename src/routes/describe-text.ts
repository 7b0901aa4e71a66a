/**
 * How spoken text appears in logs: by default only its length, word count and a short
 * hash (enough to spot repeats), never the words themselves. The hash is xxHash64, not a
 * cryptographic one: it identifies, it does not protect, and it runs on every request.
 */
import { countWords } from '../tts/text.ts'

/**
 * @example
 * describeText('Hello world.', false) // { text_chars: 12, text_words: 2, text_hash: '…16 hex…' }
 */
export function describeText(text: string, logText: boolean): Record<string, string | number> {
  const fields: Record<string, string | number> = {
    text_chars: text.length,
    text_words: countWords(text),
    text_hash: Bun.hash.xxHash64(text).toString(16).padStart(16, '0'),
  }
  // Opt-in (TTS_LOG_TEXT) for debugging; the key differs from the redacted `text`.
  if (logText) fields.spoken_text = text
  return fields
}
