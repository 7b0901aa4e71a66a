/**
 * Text handling shared by every route: normalisation (cache keys and synthesis see the
 * same string), sentence splitting (the unit of synthesis, so first audio leaves early)
 * and the word/character counts behind the range histograms.
 */

/** A piece of the input, with its offset in the string it was cut from. */
export interface Sentence {
  text: string
  offset: number
}

// Emotion / delivery tags such as "(happy)" or "[whispers]": direction for expressive
// engines, not words. espeak-ng would read them aloud, so they are removed before
// synthesis and before counting.
const EMOTION_TAG = /[([]\s*[A-Za-z][A-Za-z -]{0,30}\s*[)\]]/g

/** Longest piece handed to the engine at once; longer sentences are cut at a pause or space. */
export const MAX_SENTENCE_CHARS = 400

/**
 * Canonical form of input text: Unicode NFC, control characters dropped, runs of
 * whitespace collapsed, trimmed. Identical speech must map to identical cache keys.
 *
 * @example
 * normaliseText('  Hello\r\n  world\u0000 ') // 'Hello world'
 */
export function normaliseText(text: string): string {
  if (isNormalAscii(text)) return text
  // Control characters go before composing: removed afterwards, they would leave a base
  // letter and its combining mark side by side uncomposed ('e\u0000\u0301' -> 'e\u0301'),
  // so the result would not be its own normal form and one utterance could get two keys.
  return text
    .replace(/[\u0000-\u0008\u000B\u000E-\u001F\u007F]/g, '')
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .trim()
}

/**
 * Printable ASCII, single spaces, nothing at either end: already its own normal form (ASCII
 * is NFC). Most requests are this, and one scan costs less than the regular expressions.
 */
function isNormalAscii(text: string): boolean {
  const last = text.length - 1
  for (let i = 0; i <= last; i++) {
    const code = text.charCodeAt(i)
    if (code === 0x20) {
      if (i === 0 || i === last || text.charCodeAt(i + 1) === 0x20) return false
    } else if (code < 0x21 || code > 0x7e) {
      return false
    }
  }
  return true
}

/**
 * Removes emotion tags such as `(happy)` or `[laughs]`.
 *
 * @example
 * stripEmotionTags('(happy) Hello there') // ' Hello there'
 */
export function stripEmotionTags(text: string): string {
  return text.replace(EMOTION_TAG, '')
}

/**
 * Counts spoken words: tags removed, tokens without a letter or digit ignored.
 *
 * @example
 * countWords('(happy) Hello, world - again!') // 3
 */
export function countWords(text: string): number {
  const ascii = countAsciiWords(text)
  if (ascii >= 0) return ascii
  let n = 0
  for (const token of stripEmotionTags(text).split(/\s+/)) {
    if (/[\p{L}\p{N}]/u.test(token)) n++
  }
  return n
}

/**
 * countWords for ASCII text without a bracket (so without emotion tags) in one scan; -1 for
 * any other text. ASCII's only letters and digits are [A-Za-z0-9], its only whitespace
 * [\t\n\v\f\r ]: the same answer as the general path, which every request paid before.
 */
function countAsciiWords(text: string): number {
  let n = 0
  let counted = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code > 0x7e || code === 0x28 || code === 0x5b) return -1 // non-ASCII, '(' or '['
    if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) {
      counted = false
    } else if (!counted && ((code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a))) {
      counted = true
      n++
    }
  }
  return n
}

const WORD_RANGES: ReadonlyArray<readonly [number, string]> = [
  [10, '1-10'],
  [25, '11-25'],
  [50, '26-50'],
  [100, '51-100'],
  [200, '101-200'],
]

/** Bounded label for `tts_word_count_duration_seconds` (the ranges of docs/observability.md, "Metrics"). */
export function wordCountRange(words: number): string {
  for (const [max, label] of WORD_RANGES) if (words <= max) return label
  return '200+'
}

const CHAR_RANGES: ReadonlyArray<readonly [number, string]> = [
  [50, '1-50'],
  [100, '51-100'],
  [250, '101-250'],
  [500, '251-500'],
  [1000, '501-1000'],
  [2000, '1001-2000'],
]

/** Bounded label for `tts_character_count_duration_seconds`. */
export function charCountRange(chars: number): string {
  for (const [max, label] of CHAR_RANGES) if (chars <= max) return label
  return '2000+'
}

// Sentence ends: terminal punctuation (Latin, CJK, Devanagari, Arabic), optionally
// followed by closing quotes/brackets, then whitespace or the end of the text.
// The lookbehind lets a match start only where a run of punctuation starts: otherwise a
// run of n marks not followed by a space is retried from each of its n positions, each
// backtracking over the rest of the run, and 20 000 '.' then a letter took ~500 ms of
// event loop (a streamed message may carry 10 000 characters).
const SENTENCE_END = /(?<![.!?…。！？।؟])[.!?…。！？।؟]+["'”’)\]]*(?=\s|$)|\n\s*\n/g
// Abbreviations that end in a full stop without ending the sentence: after a space, the start,
// or any other non-word character ("(Dr. Who)", a markup tag before "Dr.").
const ABBREVIATION = /(?:^|[^\p{L}\p{N}])(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|vs|etc|e\.g|i\.e|No|Fig)\.$/iu
// The abbreviation test looks at this many characters before a full stop, not at the
// whole sentence so far (quadratic on 'Mr. Mr. Mr. ...'). Longer than any abbreviation
// plus its leading space, so `^` can only match at a real sentence start.
const ABBREVIATION_WINDOW = 8

/**
 * Splits text into sentences, each trimmed and tagged with its offset in `text`.
 * Pieces never overlap, keep their order, and together hold every non-whitespace
 * character of the input. Sentences longer than {@link MAX_SENTENCE_CHARS} are cut
 * at the last pause (`,;:`) or space before the limit.
 *
 * @example
 * splitSentences('Hi there. How are you?')
 * // [{ text: 'Hi there.', offset: 0 }, { text: 'How are you?', offset: 10 }]
 */
export function splitSentences(text: string): Sentence[] {
  const out: Sentence[] = []
  let start = 0
  for (const end of sentenceEnds(text)) {
    pushPiece(text, start, end, out)
    start = end
  }
  pushPiece(text, start, text.length, out)
  return out
}

/**
 * True when `text` ends with a sentence the splitter considers closed (its end is not an
 * abbreviation) followed by whitespace, so nothing more can join that sentence. The
 * streaming buffer asks this to release a sentence before the next one starts; it must
 * use the splitter's rules, or 'Dr. ' arriving as one token is spoken on its own.
 *
 * @example
 * endsSentence('Hello there. ') // true
 * endsSentence('Hello Dr. ')    // false
 * endsSentence('Hello there.')  // false (a quote or more marks may follow)
 */
export function endsSentence(text: string): boolean {
  const body = text.trimEnd().length
  if (body === text.length) return false
  let last = -1
  for (const end of sentenceEnds(text)) last = end
  return last >= body
}

/** End offsets of the sentences in `text`, in order (abbreviations skipped). */
function* sentenceEnds(text: string): Generator<number> {
  let start = 0
  for (const match of text.matchAll(SENTENCE_END)) {
    const end = match.index + match[0].length
    if (match[0].startsWith('.') && ABBREVIATION.test(text.slice(Math.max(start, end - ABBREVIATION_WINDOW), end))) continue
    yield end
    start = end
  }
}

function pushPiece(text: string, from: number, to: number, out: Sentence[]): void {
  while (from < to && /\s/.test(text[from]!)) from++
  while (to > from && /\s/.test(text[to - 1]!)) to--
  while (to - from > MAX_SENTENCE_CHARS) {
    const cut = cutPoint(text, from, from + MAX_SENTENCE_CHARS)
    pushPiece(text, from, cut, out)
    from = cut
    while (from < to && /\s/.test(text[from]!)) from++
  }
  if (to > from) out.push({ text: text.slice(from, to), offset: from })
}

function cutPoint(text: string, from: number, limit: number): number {
  const window = text.slice(from, limit)
  const pause = Math.max(window.lastIndexOf(', '), window.lastIndexOf('; '), window.lastIndexOf(': '))
  if (pause > MAX_SENTENCE_CHARS / 2) return from + pause + 1
  const space = window.lastIndexOf(' ')
  if (space > 0) return from + space
  // No space at all (e.g. CJK without punctuation): cut on a code point boundary.
  const code = text.charCodeAt(limit - 1)
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit
}
