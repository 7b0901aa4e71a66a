/**
 * The one internal form of what is to be said (docs/api.md, "Speech markup"). SSML is parsed
 * into it, pronunciation dictionaries and text clean-up rewrite it, and each engine kind
 * renders it into what that engine reads. Nothing past
 * the parser sees markup, and nothing past the renderers sees engine syntax.
 *
 * It is a flat list of parts. Nesting (a `<prosody>` around an `<emphasis>`) becomes each
 * part's {@link Style}; `<sub>` becomes text (its alias); `<say-as>` stays marked until
 * clean-up spells it out. Every text part keeps its map to the client's original text.
 */
import { identityText, type MappedText, type Span } from './source-map.ts'

export type PhonemeAlphabet = 'ipa' | 'cmu-arpabet'

/** `<say-as interpret-as>` values of the subset. */
export const SAY_AS = ['characters', 'spell-out', 'cardinal', 'ordinal', 'digits', 'telephone', 'date', 'time'] as const
export type SayAs = (typeof SAY_AS)[number]

export const EMPHASIS_LEVELS = ['strong', 'moderate', 'none', 'reduced'] as const
export type EmphasisLevel = (typeof EMPHASIS_LEVELS)[number]

/** `<prosody>` attributes, validated but kept in SSML's own syntax (`slow`, `+10%`, `-2st`, `loud`). */
export interface Prosody {
  rate?: string
  pitch?: string
  volume?: string
}

/** What the enclosing elements say about how a part is spoken. */
export interface Style {
  prosody?: Prosody
  emphasis?: EmphasisLevel
  /** `xml:lang` of the nearest enclosing element that set one. */
  lang?: string
}

export interface TextPart {
  type: 'text'
  text: MappedText
  style: Style
  /** From `<say-as>`: clean-up reads it this way whatever `apply_text_normalization` says. */
  sayAs?: { interpretAs: SayAs; format?: string }
}

export interface PhonemePart {
  type: 'phoneme'
  /** The word as written (what engines without phoneme input say). */
  text: MappedText
  ph: string
  alphabet: PhonemeAlphabet
  style: Style
}

export interface BreakPart {
  type: 'break'
  /** Length of the pause. */
  ms: number
  source: Span
}

/** The end of an `<s>` or `<p>`: a sentence must end here. */
export interface BoundaryPart {
  type: 'boundary'
  level: 'sentence' | 'paragraph'
  source: Span
}

export type SpeechPart = TextPart | PhonemePart | BreakPart | BoundaryPart

export interface SpeechDoc {
  /** The client's text exactly as sent: every map points into it. */
  source: string
  parts: SpeechPart[]
  /** Features of the request no step could honour, for X-TTS-Ignored (e.g. `ssml:voice`). */
  ignored: string[]
}

/**
 * The form of text without markup: one text part.
 *
 * @example
 * plainDoc('Hello there.').parts // [{ type: 'text', text: 'Hello there.' (mapped), style: {} }]
 */
export function plainDoc(text: string): SpeechDoc {
  return { source: text, parts: text ? [{ type: 'text', text: identityText(text), style: {} }] : [], ignored: [] }
}

/**
 * The words of a document without markup: text and phoneme parts as written, a space at
 * breaks and boundaries. For logs, counts and engines that take nothing else.
 *
 * @example
 * plainText(parseSsml('<speak>Hi <break time="1s"/> there</speak>')) // 'Hi there'
 */
export function plainText(doc: SpeechDoc): string {
  let out = ''
  for (const part of doc.parts) {
    const piece = part.type === 'text' || part.type === 'phoneme' ? part.text.text : ' '
    out += piece
  }
  return out.replace(/\s+/g, ' ').trim()
}

/** True when the document holds nothing but text (no pause, phoneme or say-as to render). */
export function isPlain(doc: SpeechDoc): boolean {
  return doc.parts.every((p) => p.type === 'text' && !p.sayAs && !p.style.prosody && !p.style.emphasis && !p.style.lang)
}
