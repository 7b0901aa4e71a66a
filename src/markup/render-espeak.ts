/**
 * The document as espeak-ng reads it: one SSML string per sentence (espeak-ng's own SSML
 * mode: `espeakSSML` for the library, `-m` for the WASM command line), without a `<speak>`
 * root, which espeak-ng does not need and which would add 16 ms of its own silence at the end:
 * plain words then sound exactly as they do outside SSML mode.
 * - breaks: our own silence between pieces, exact to the sample. espeak-ng's `<break>` is not:
 *   its pause swallows the decay of the word before it (a 1 s break measured 0.88 s of silence
 *   with `en-us+f3`), so a sentence is cut at each break and the pieces are said without
 *   espeak-ng's end-of-text pause around the silence we insert;
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
import { escapeXmlInto, type RenderedPiece, type RenderedSpeech } from './rendered.ts'
import { MappedTextBuilder } from './source-map.ts'
import type { SpeechDoc, Style } from './speech-doc.ts'

/**
 * @example
 * renderEspeak(parseSsml('<speak>Hi <break time="1s"/> there.</speak>')).pieces.map((p) => p.type)
 * // ['speech', 'silence', 'speech']
 */
export function renderEspeak(doc: SpeechDoc): RenderedSpeech {
  const ignored = new Set<string>()
  const pieces: RenderedPiece[] = []
  for (const sentence of docSentences(doc)) {
    let out = new MappedTextBuilder()
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
    const flush = () => {
      setStyle({})
      const text = out.build()
      if (text.text.trim()) pieces.push({ type: 'speech', text })
      out = new MappedTextBuilder()
    }
    for (const part of sentence.parts) {
      if (part.type === 'break') {
        flush()
        pieces.push({ type: 'silence', ms: part.ms, source: part.source })
      } else if (part.type === 'text') {
        setStyle(part.style)
        escapeXmlInto(out, part.text)
      } else if (part.type === 'phoneme') {
        setStyle(part.style)
        const espeak = part.alphabet === 'ipa' ? ipaToEspeak(part.ph) : arpabetToEspeak(part.ph)
        if (espeak) out.replaceMapped(` [[${espeak}]] `, part.text, 0, part.text.text.length)
        else {
          ignored.add('phoneme')
          escapeXmlInto(out, part.text)
        }
      }
    }
    flush()
  }
  return { pieces, ignored: [...ignored] }
}

const attr = (name: string, value: string | undefined) => (value === undefined ? '' : ` ${name}="${value}"`)

function sameStyle(a: Style, b: Style): boolean {
  return a.lang === b.lang && a.emphasis === b.emphasis && JSON.stringify(a.prosody ?? null) === JSON.stringify(b.prosody ?? null)
}
