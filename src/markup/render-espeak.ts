/**
 * The document as espeak-ng reads it: one SSML string per sentence (espeak-ng's own SSML
 * mode: `espeakSSML` for the library, `-m` for the WASM command line).
 * - breaks: `<break time="…ms"/>`, which espeak-ng makes exact to the millisecond;
 * - phonemes: espeak-ng ignores `<phoneme>`, so the phonemes go inline in its own notation,
 *   `[[t@m'eItoU]]` (IPA and Arpabet converted, see phonemes.ts), always followed by a space
 *   (a tag right after `]]` is read aloud by espeak-ng 1.51); a phoneme string it cannot
 *   convert is said as the written word and reported as ignored;
 * - prosody and emphasis as espeak-ng's `<prosody>` and `<emphasis>`; `xml:lang` as
 *   `<voice xml:lang>`, which switches espeak-ng's language for that stretch.
 *
 * espeak-ng reports word positions counting each character of the SSML string, tags
 * included, but an entity (`&amp;`) as one character; the worker counts the same way
 * (espeak-job.ts), and the map here is of the string itself.
 */
import { docSentences } from './doc-sentences.ts'
import { arpabetToEspeak, ipaToEspeak } from './phonemes.ts'
import type { RenderedSpeech } from './rendered.ts'
import { MappedTextBuilder } from './source-map.ts'
import type { SpeechDoc, Style } from './speech-doc.ts'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' }

/**
 * @example
 * renderEspeak(parseSsml('<speak>Hi <break time="1s"/> there.</speak>')).pieces[0].text.text
 * // '<speak>Hi <break time="1000ms"/> there.</speak>'
 */
export function renderEspeak(doc: SpeechDoc): RenderedSpeech {
  const ignored = new Set<string>()
  const pieces = docSentences(doc).map((sentence) => {
    const out = new MappedTextBuilder().insert('<speak>')
    let open: Style = {}
    let openTags: string[] = []
    const setStyle = (style: Style) => {
      if (sameStyle(style, open)) return
      for (const tag of openTags.toReversed()) out.insert(`</${tag}>`)
      openTags = []
      if (style.lang) (out.insert(`<voice xml:lang="${style.lang}">`), openTags.push('voice'))
      const p = style.prosody
      if (p) (out.insert(`<prosody${attr('rate', p.rate)}${attr('pitch', p.pitch)}${attr('volume', p.volume)}>`), openTags.push('prosody'))
      if (style.emphasis) (out.insert(`<emphasis level="${style.emphasis}">`), openTags.push('emphasis'))
      open = style
    }
    for (const part of sentence.parts) {
      if (part.type === 'break') {
        out.replace(`<break time="${part.ms}ms"/>`, part.source)
      } else if (part.type === 'text') {
        setStyle(part.style)
        escapeInto(out, part.text)
      } else if (part.type === 'phoneme') {
        setStyle(part.style)
        const espeak = part.alphabet === 'ipa' ? ipaToEspeak(part.ph) : arpabetToEspeak(part.ph)
        if (espeak) out.replaceMapped(` [[${espeak}]] `, part.text, 0, part.text.text.length)
        else {
          ignored.add('phoneme')
          escapeInto(out, part.text)
        }
      }
    }
    setStyle({})
    out.insert('</speak>')
    return { type: 'speech' as const, text: out.build() }
  })
  return { pieces, ignored: [...ignored] }
}

function escapeInto(out: MappedTextBuilder, text: import('./source-map.ts').MappedText): void {
  let from = 0
  const s = text.text
  for (let i = 0; i < s.length; i++) {
    const escaped = ESCAPES[s[i]!]
    if (!escaped) continue
    out.copyMapped(text, from, i)
    out.replaceMapped(escaped, text, i, i + 1)
    from = i + 1
  }
  out.copyMapped(text, from)
}

const attr = (name: string, value: string | undefined) => (value === undefined ? '' : ` ${name}="${value}"`)

function sameStyle(a: Style, b: Style): boolean {
  return a.lang === b.lang && a.emphasis === b.emphasis && JSON.stringify(a.prosody ?? null) === JSON.stringify(b.prosody ?? null)
}
