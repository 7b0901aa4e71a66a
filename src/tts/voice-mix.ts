/**
 * Voice mixes as Kokoro-FastAPI takes them (`af_bella(2)+af_sky(1)`): each part a voice of
 * the same engine, with an optional weight. The engine decides whether it speaks mixes; this
 * only explains a refusal by naming the part that is not a voice.
 */

/** `name` or `name(weight)`, joined by `+`. */
const PART = /^\s*([^()+\s]+)\s*(?:\(\s*\d+(?:\.\d+)?\s*\))?\s*$/

/**
 * The parts of a voice mix, or undefined when `voice` is not one.
 *
 * @example
 * mixParts('af_bella(2)+af_sky(1)') // ['af_bella', 'af_sky']
 * mixParts('af_bella') // undefined
 */
export function mixParts(voice: string): string[] | undefined {
  if (!voice.includes('+')) return undefined
  const parts: string[] = []
  for (const piece of voice.split('+')) {
    const match = PART.exec(piece)
    if (!match) return undefined
    parts.push(match[1]!)
  }
  return parts.length > 1 ? parts : undefined
}

/**
 * The first part of a mix that does not resolve on its own (with the mix's `engine:` prefix).
 *
 * @example
 * unknownVoicePart('kokoro:af_bella(2)+nope', resolveVoice) // 'nope'
 */
export function unknownVoicePart(voice: string, resolve: (id: string) => unknown): string | undefined {
  const colon = voice.indexOf(':')
  const prefix = colon > 0 && colon < voice.indexOf('+') ? voice.slice(0, colon + 1) : ''
  const parts = mixParts(voice.slice(prefix.length))
  return parts?.find((part) => resolve(`${prefix}${part}`) === undefined)?.slice(0, 100)
}
