/**
 * The document for an `elevenlabs` upstream: one text with the two tags ElevenLabs reads
 * inline, `<break time="1.5s" />` and `<phoneme alphabet="ipa|cmu-arpabet" ph="…">word</phoneme>`;
 * everything else is already words (say-as, sub, dictionaries' aliases and clean-up were
 * applied here). Prosody, emphasis and language changes have no ElevenLabs text form and
 * are reported as ignored.
 */
import { escapeXmlInto, tidy, type RenderedSpeech } from './rendered.ts'
import { MappedTextBuilder } from './source-map.ts'
import type { SpeechDoc } from './speech-doc.ts'

const attribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')

export interface ElevenLabsRenderOptions {
  /**
   * The text goes where ElevenLabs parses it as XML (stream-input with `enable_ssml_parsing`):
   * `&`, `<` and `>` in the words are escaped. Its HTTP routes read the tags inline in plain
   * text, where an escape would be read out.
   */
  xml?: boolean
}

/**
 * @example
 * renderElevenLabs(parseSsml('<speak>Hi <break time="500ms"/> there</speak>')).pieces[0].text.text
 * // 'Hi <break time="0.5s" /> there'
 */
export function renderElevenLabs(doc: SpeechDoc, options: ElevenLabsRenderOptions = {}): RenderedSpeech {
  const ignored = new Set<string>()
  const out = new MappedTextBuilder()
  for (const part of doc.parts) {
    if (part.type !== 'break' && part.type !== 'boundary') {
      if (part.style.prosody) ignored.add('ssml:prosody')
      if (part.style.emphasis) ignored.add('ssml:emphasis')
      if (part.style.lang) ignored.add('ssml:lang')
    }
    if (part.type === 'text') {
      if (!options.xml) out.copyMapped(part.text)
      else escapeXmlInto(out, part.text)
    } else if (part.type === 'boundary') out.insert(/[.!?…]\s*$/.test(out.text) ? ' ' : '. ')
    else if (part.type === 'break') out.replace(` <break time="${part.ms / 1000}s" /> `, part.source)
    else {
      const word = part.text.text.trim()
      const shown = options.xml ? attribute(word) : word
      out.replaceMapped(` <phoneme alphabet="${part.alphabet}" ph="${attribute(part.ph)}">${shown}</phoneme> `, part.text, 0, part.text.text.length)
    }
  }
  const text = tidy(out.build())
  return { pieces: text.text ? [{ type: 'speech', text }] : [], ignored: [...ignored] }
}

