/**
 * A document cut into sentences, the unit engines synthesise one at a time (so the first
 * audio leaves early), without cutting through a part's markup: a sentence is itself a
 * document whose text parts are slices of the original ones (maps kept), with the pauses
 * that fall inside it. `<s>` and `<p>` ends always end a sentence.
 */
import { MappedTextBuilder, type MappedText } from './source-map.ts'
import type { SpeechDoc, SpeechPart } from './speech-doc.ts'
import { splitSentences } from '../tts/text.ts'

// Where each part sits in the plain text the sentence splitter reads.
interface Placed {
  part: SpeechPart
  start: number
  end: number
}

const BOUNDARY = '\n\n'

/**
 * @example
 * docSentences(parseSsml('<speak>Hi there. <break time="1s"/>How are you?</speak>')).length // 2
 */
export function docSentences(doc: SpeechDoc): SpeechDoc[] {
  let plain = ''
  const placed: Placed[] = []
  for (const part of doc.parts) {
    // A phoneme's word is set off by spaces, and sits where the word starts (after the space).
    const start = plain.length + (part.type === 'phoneme' ? 1 : 0)
    if (part.type === 'text' || part.type === 'phoneme') plain += part.type === 'phoneme' ? ` ${part.text.text} ` : part.text.text
    else if (part.type === 'boundary') plain += BOUNDARY
    placed.push({ part, start, end: plain.length })
  }
  const sentences = splitSentences(plain)
  const out: SpeechDoc[] = []
  let next = 0 // first placed part not yet fully given to a sentence
  for (let s = 0; s < sentences.length; s++) {
    const sentence = sentences[s]!
    const from = s === 0 ? 0 : sentence.offset
    const to = s === sentences.length - 1 ? plain.length : sentences[s + 1]!.offset
    const parts: SpeechPart[] = []
    for (let i = next; i < placed.length; i++) {
      const { part, start, end } = placed[i]!
      if (start >= to && !(part.type === 'break' && start === to && s === sentences.length - 1)) break
      if (part.type === 'break') {
        parts.push(part)
        next = i + 1
      } else if (part.type === 'phoneme') {
        // A phoneme is one word: it goes whole to the sentence its word starts in.
        if (start >= from) parts.push(part)
        next = i + 1
      } else if (part.type === 'text') {
        const lo = Math.max(start, from) - start
        const hi = Math.min(end, to) - start
        if (hi > lo) parts.push({ ...part, text: slice(part.text, lo, hi) })
        if (end <= to) next = i + 1
      } else {
        next = i + 1
      }
    }
    if (parts.some((p) => p.type !== 'break' || p.ms > 0)) out.push({ source: doc.source, parts, ignored: doc.ignored })
  }
  // Pauses with no sentence around them (a document of nothing but breaks) still last.
  if (out.length === 0 && doc.parts.some((p) => p.type === 'break')) out.push({ ...doc, parts: doc.parts.filter((p) => p.type === 'break') })
  return out
}

const slice = (text: MappedText, from: number, to: number) => new MappedTextBuilder().copyMapped(text, from, to).build()
