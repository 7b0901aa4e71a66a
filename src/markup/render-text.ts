/**
 * The document for an engine that reads plain text (an `openai` upstream such as Kokoro,
 * OpenAI itself or another tts-edge): text pieces, with each pause made by us as exact
 * silence between them (no text engine can be told to pause a given time). Phonemes go in
 * the engine's declared syntax (`phoneme_syntax` in the engines file), else the written word
 * is said and `phoneme` is reported as ignored; prosody, emphasis and language changes have
 * no plain-text form and are reported as ignored.
 */
import { arpabetToIpa } from './phonemes.ts'
import { tidy, type RenderedPiece, type RenderedSpeech } from './rendered.ts'
import { MappedTextBuilder } from './source-map.ts'
import type { SpeechDoc } from './speech-doc.ts'

/** How an engine reads inline phonemes: Kokoro (misaki) takes `[word](/ipa/)`. */
export const PHONEME_SYNTAXES = ['kokoro'] as const
export type PhonemeSyntax = (typeof PHONEME_SYNTAXES)[number]

export interface TextRenderOptions {
  phonemeSyntax?: PhonemeSyntax
}

/**
 * @example
 * renderText(parseSsml('<speak>One <break time="1s"/> two</speak>')).pieces.map((p) => p.type)
 * // ['speech', 'silence', 'speech']
 */
export function renderText(doc: SpeechDoc, options: TextRenderOptions = {}): RenderedSpeech {
  const ignored = new Set<string>()
  const pieces: RenderedPiece[] = []
  let out = new MappedTextBuilder()
  const flush = () => {
    const text = tidy(out.build())
    if (text.text) pieces.push({ type: 'speech', text })
    out = new MappedTextBuilder()
  }
  for (const part of doc.parts) {
    if (part.type !== 'break' && part.type !== 'boundary') {
      if (part.style.prosody) ignored.add('ssml:prosody')
      if (part.style.emphasis) ignored.add('ssml:emphasis')
      if (part.style.lang) ignored.add('ssml:lang')
    }
    if (part.type === 'text') out.copyMapped(part.text)
    else if (part.type === 'boundary') out.insert(/[.!?…]\s*$/.test(out.text) ? ' ' : '. ')
    else if (part.type === 'break') {
      flush()
      if (part.ms > 0) pieces.push({ type: 'silence', ms: part.ms, source: part.source })
    } else {
      const ipa = part.alphabet === 'ipa' ? part.ph : arpabetToIpa(part.ph)
      if (options.phonemeSyntax === 'kokoro' && ipa) {
        out.replaceMapped(` [${part.text.text.trim()}](/${ipa}/) `, part.text, 0, part.text.text.length)
      } else {
        ignored.add('phoneme')
        out.copyMapped(part.text)
      }
    }
  }
  flush()
  return { pieces, ignored: [...ignored] }
}
