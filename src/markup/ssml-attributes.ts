/**
 * The attributes of the SSML subset, validated: each reader returns the value or a reason
 * the parser reports with the element's position.
 */
import { EMPHASIS_LEVELS, SAY_AS, type EmphasisLevel, type PhonemeAlphabet, type Prosody, type SayAs } from './speech-doc.ts'

/** Longest single pause; longer ones are refused rather than silently cut. */
export const MAX_BREAK_MS = 10_000

/**
 * All the pauses of one text together: about the speaking time of the longest text a route
 * takes, so a few hundred bytes of `<break>` tags cannot ask for an hour of audio (and a
 * cache entry to match) while a script with long pauses (a guided breathing exercise) fits.
 */
export const MAX_TOTAL_BREAK_MS = 300_000

// SSML 1.1 leaves strengths to the processor; these are the pauses a listener hears as
// "a comma", "a sentence", "a paragraph" at a normal rate.
const STRENGTH_MS: Record<string, number> = { none: 0, 'x-weak': 100, weak: 250, medium: 400, strong: 750, 'x-strong': 1200 }

type Read<T> = { ok: true; value: T } | { ok: false; reason: string }
const ok = <T>(value: T): Read<T> => ({ ok: true, value })
const bad = <T>(reason: string): Read<T> => ({ ok: false, reason })

/**
 * `<break time="1s"/>`, `time="250ms"`, `strength="strong"`; no attribute means medium.
 *
 * @example
 * readBreak({ time: '1.5s' }) // { ok: true, value: 1500 }
 */
export function readBreak(attrs: Record<string, string>): Read<number> {
  if (attrs.time !== undefined) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$/.exec(attrs.time)
    if (!m) return bad(`<break time="${clip(attrs.time)}">: expected a duration such as "500ms" or "1.5s"`)
    const ms = Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1))
    if (ms > MAX_BREAK_MS) return bad(`<break time="${clip(attrs.time)}">: at most ${MAX_BREAK_MS / 1000}s`)
    return ok(ms)
  }
  if (attrs.strength !== undefined) {
    const ms = STRENGTH_MS[attrs.strength]
    if (ms === undefined) return bad(`<break strength="${clip(attrs.strength)}">: expected one of ${Object.keys(STRENGTH_MS).join(', ')}`)
    return ok(ms)
  }
  return ok(STRENGTH_MS.medium!)
}

/**
 * @example
 * readPhoneme({ alphabet: 'ipa', ph: 'təˈmeɪtoʊ' }) // { ok: true, value: { alphabet: 'ipa', ph: 'təˈmeɪtoʊ' } }
 */
export function readPhoneme(attrs: Record<string, string>): Read<{ alphabet: PhonemeAlphabet; ph: string }> {
  const ph = attrs.ph?.trim()
  if (!ph) return bad('<phoneme> needs a non-empty ph attribute')
  const alphabet = attrs.alphabet ?? 'ipa'
  if (alphabet !== 'ipa' && alphabet !== 'cmu-arpabet') {
    return bad(`<phoneme alphabet="${clip(alphabet)}">: supported alphabets are "ipa" and "cmu-arpabet"`)
  }
  return ok({ alphabet, ph })
}

export function readSayAs(attrs: Record<string, string>): Read<{ interpretAs: SayAs; format?: string }> {
  const kind = attrs['interpret-as']
  if (!kind || !(SAY_AS as readonly string[]).includes(kind)) {
    return bad(`<say-as interpret-as="${clip(kind ?? '')}">: expected one of ${SAY_AS.join(', ')}`)
  }
  return ok({ interpretAs: kind as SayAs, ...(attrs.format && { format: attrs.format }) })
}

export function readSub(attrs: Record<string, string>): Read<string> {
  const alias = attrs.alias
  if (alias === undefined) return bad('<sub> needs an alias attribute')
  return ok(alias)
}

export function readEmphasis(attrs: Record<string, string>): Read<EmphasisLevel> {
  const level = attrs.level ?? 'moderate'
  if (!(EMPHASIS_LEVELS as readonly string[]).includes(level)) {
    return bad(`<emphasis level="${clip(level)}">: expected one of ${EMPHASIS_LEVELS.join(', ')}`)
  }
  return ok(level as EmphasisLevel)
}

const RATE = /^(x-slow|slow|medium|fast|x-fast|default|\d+(\.\d+)?%)$/
const PITCH = /^(x-low|low|medium|high|x-high|default|[+-]?\d+(\.\d+)?(%|st|Hz))$/
const VOLUME = /^(silent|x-soft|soft|medium|loud|x-loud|default|[+-]?\d+(\.\d+)?dB)$/

export function readProsody(attrs: Record<string, string>): Read<Prosody> {
  const prosody: Prosody = {}
  for (const [name, pattern] of [['rate', RATE], ['pitch', PITCH], ['volume', VOLUME]] as const) {
    const value = attrs[name]?.trim()
    if (value === undefined) continue
    if (!pattern.test(value)) return bad(`<prosody ${name}="${clip(value)}">: not a value SSML allows for ${name}`)
    prosody[name] = value
  }
  return ok(prosody)
}

const LANG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/

export function readLang(value: string | undefined): Read<string | undefined> {
  if (value === undefined) return ok(undefined)
  if (!LANG.test(value)) return bad(`xml:lang="${clip(value)}" is not a language tag such as "en-US"`)
  return ok(value)
}

const clip = (value: string) => (value.length > 40 ? `${value.slice(0, 40)}…` : value)
