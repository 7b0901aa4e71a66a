/**
 * When a request's text is markup (docs/api.md, "Speech markup"):
 * - ElevenLabs HTTP: text holding `<break …/>` or `<phoneme …>` tags, as ElevenLabs itself
 *   reads them inline (a fragment: no `<speak>` needed, a bare `&` is text); text that starts
 *   with `<speak` is a whole SSML document;
 * - ElevenLabs stream-input: only with `enable_ssml_parsing=true` (fragments, across messages);
 * - OpenAI: `input` that starts with `<speak` (or an XML declaration or DOCTYPE before it).
 * Anything else is plain text, spoken as written (after clean-up), tags and all.
 */

export type MarkupKind = 'none' | 'ssml' | 'fragment'

// The start of a tag is enough: a broken one is the client's error, never words to read out.
const INLINE_TAG = /<\/?(break|phoneme)\b/i
// A document may open with an XML declaration or a DOCTYPE (which the parser then refuses).
const SPEAK = /^\s*<(speak[\s>/]|\?xml\b|!DOCTYPE\b)/i

/**
 * @example
 * elevenlabsMarkup('Hi <break time="1s"/> there') // 'fragment'
 * elevenlabsMarkup('1 < 2 and 3 > 2')             // 'none'
 * elevenlabsMarkup('Hi <break time="1s" there')   // 'fragment' (and a 400 naming where)
 */
export function elevenlabsMarkup(text: string): MarkupKind {
  if (SPEAK.test(text)) return 'ssml'
  return INLINE_TAG.test(text) ? 'fragment' : 'none'
}

/**
 * @example
 * openaiMarkup('<speak>Hello</speak>') // 'ssml'
 */
export function openaiMarkup(input: string): MarkupKind {
  return SPEAK.test(input) ? 'ssml' : 'none'
}
