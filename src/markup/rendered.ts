/**
 * Speech as one engine reads it: what each renderer (render-*.ts) makes of a document.
 * Every piece of text handed to an engine keeps a map from its characters to the client's
 * original text, so the boundaries an engine measures in what it read land on what the client
 * wrote (alignment, timestamps).
 */
import { MappedTextBuilder, type MappedText, type Span } from './source-map.ts'

export type RenderedPiece =
  /** Text (or markup) for the engine, mapped back to the client's text. */
  | { type: 'speech'; text: MappedText }
  /** A pause the engine cannot make itself: exact silence we insert between pieces. */
  | { type: 'silence'; ms: number; source: Span }

export interface RenderedSpeech {
  pieces: RenderedPiece[]
  /** What this engine could not honour (X-TTS-Ignored), e.g. `phoneme`, `ssml:prosody`. */
  ignored: string[]
}

/**
 * Collapses runs of whitespace to one space and trims, keeping the map (what normaliseText
 * does for plain text).
 *
 * @example
 * tidy(identityText('  a \n b ')).text // 'a b'
 */
export function tidy(text: MappedText): MappedText {
  const out = new MappedTextBuilder()
  const s = text.text
  let i = 0
  while (i < s.length && /\s/.test(s[i]!)) i++
  let end = s.length
  while (end > i && /\s/.test(s[end - 1]!)) end--
  let runStart = i
  for (let j = i; j < end; j++) {
    if (!/\s/.test(s[j]!)) continue
    let k = j
    while (k < end && /\s/.test(s[k]!)) k++
    if (k - j === 1 && s[j] === ' ') {
      j = k - 1
      continue
    }
    out.copyMapped(text, runStart, j)
    out.replaceMapped(' ', text, j, k)
    runStart = k
    j = k - 1
  }
  out.copyMapped(text, runStart, end)
  return out.build()
}

const XML_TEXT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' }

/**
 * Appends `text` escaped for XML character data, each escape mapped to the character it stands for.
 *
 * @example
 * escapeXmlInto(out, identityText('1 < 2')) // out gets '1 &lt; 2'
 */
export function escapeXmlInto(out: MappedTextBuilder, text: MappedText): void {
  let from = 0
  for (let i = 0; i < text.text.length; i++) {
    const escaped = XML_TEXT[text.text[i]!]
    if (!escaped) continue
    out.copyMapped(text, from, i)
    out.replaceMapped(escaped, text, i, i + 1)
    from = i + 1
  }
  out.copyMapped(text, from)
}
