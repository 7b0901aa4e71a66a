/**
 * How spoken text appears in logs: by default only its length, word count and a short
 * hash (enough to spot repeats and correlate with the cache), never the words themselves.
 */
import { createHash } from 'node:crypto'
import { countWords } from '../tts/text.ts'

/**
 * @example
 * describeText('Hello world.', false) // { text_chars: 12, text_words: 2, text_sha256: '…16 hex…' }
 */
export function describeText(text: string, logText: boolean): Record<string, string | number> {
  const fields: Record<string, string | number> = {
    text_chars: text.length,
    text_words: countWords(text),
    text_sha256: createHash('sha256').update(text).digest('hex').slice(0, 16),
  }
  // Opt-in (TTS_LOG_TEXT) for debugging; the key differs from the redacted `text`.
  if (logText) fields.spoken_text = text
  return fields
}
