/**
 * The symbol inventory of the generated models: Piper's fixed specials first (`_` pad 0,
 * `^` start 1, `$` end 2, space 3), punctuation, then every letter, IPA symbol, modifier
 * and combining mark espeak-ng puts in its phoneme strings, one code point each (the form
 * Piper's phoneme_id_map and sherpa-onnx's tokens.txt both use).
 */

const ranges: [number, number][] = [
  [0x61, 0x7a], // a-z
  [0xe6, 0xe7], // æ ç
  [0xf0, 0xf0], // ð
  [0xf8, 0xf8], // ø
  [0x127, 0x127], // ħ
  [0x14b, 0x14b], // ŋ
  [0x153, 0x153], // œ
  [0x1c0, 0x1c3], // clicks
  [0x250, 0x2af], // IPA extensions
  [0x2b0, 0x2ff], // spacing modifier letters (ˈ ˌ ː ʰ ...)
  [0x300, 0x36f], // combining diacritics
  [0x3b2, 0x3b2], // β
  [0x3b8, 0x3b8], // θ
  [0x3c7, 0x3c7], // χ
  [0x1d7b, 0x1d7b], // ᵻ
  [0x2191, 0x2193], // ↑ → ↓ (intonation arrows)
  [0x2c71, 0x2c71], // ⱱ
]

/** Every symbol with its id, in id order. */
export function phonemeSymbols(): string[] {
  const symbols = ['_', '^', '$', ' ', ...'!\'(),-.:;?"']
  for (const [from, to] of ranges) for (let c = from; c <= to; c++) symbols.push(String.fromCodePoint(c))
  return symbols
}

/** Piper's `.onnx.json` form: symbol → [id]. */
export function phonemeIdMap(symbols = phonemeSymbols()): Record<string, number[]> {
  return Object.fromEntries(symbols.map((s, i) => [s, [i]]))
}

/** sherpa-onnx's tokens.txt form: one `symbol id` per line. */
export function tokensText(symbols = phonemeSymbols()): string {
  return symbols.map((s, i) => `${s} ${i}\n`).join('')
}
