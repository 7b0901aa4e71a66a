/**
 * Phoneme strings between the alphabets clients write (IPA, CMU Arpabet) and what engines
 * read: espeak-ng's own phoneme mnemonics (its `[[...]]` input; espeak-ng has no IPA input
 * and ignores SSML's `<phoneme>`) and IPA for engines that take it (Kokoro's `[word](/ipa/)`).
 *
 * The espeak table is English's phoneme set (the sounds of `en`/`en-us` voices); a symbol it
 * does not know makes the conversion fail, and the word is then said as written and the
 * phoneme reported as ignored rather than mispronounced.
 */

// IPA → espeak-ng (English), longest sequences first.
const IPA_TO_ESPEAK: ReadonlyArray<readonly [string, string]> = [
  ['ɑːɹ', 'A@'], ['ɪɹ', 'i@3'], ['ɛɹ', 'e@'], ['ʊɹ', 'U@'], ['ɔːɹ', 'O@'], ['ɔɹ', 'O@'],
  ['eɪ', 'eI'], ['aɪ', 'aI'], ['ɔɪ', 'OI'], ['aʊ', 'aU'], ['oʊ', 'oU'], ['əʊ', 'oU'], ['ɪə', 'i@'], ['eə', 'e@'], ['ɛə', 'e@'], ['ʊə', 'U@'],
  ['tʃ', 'tS'], ['dʒ', 'dZ'], ['iː', 'i:'], ['uː', 'u:'], ['ɑː', 'A:'], ['ɔː', 'O:'], ['ɜː', '3:'], ['n̩', 'n-'], ['l̩', 'L'],
  ['ɝ', '3:'], ['ɚ', '3'], ['ɐ', 'a#'], ['ə', '@'], ['ɪ', 'I'], ['ɛ', 'E'], ['e', 'E'], ['æ', 'a'], ['ʌ', 'V'], ['ɒ', '0'], ['ʊ', 'U'],
  ['i', 'i'], ['u', 'u:'], ['ɑ', 'A:'], ['ɔ', 'O:'], ['a', 'a'], ['o', 'oU'], ['ɜ', '3:'],
  ['p', 'p'], ['b', 'b'], ['t', 't'], ['d', 'd'], ['k', 'k'], ['g', 'g'], ['ɡ', 'g'], ['f', 'f'], ['v', 'v'], ['θ', 'T'], ['ð', 'D'],
  ['s', 's'], ['z', 'z'], ['ʃ', 'S'], ['ʒ', 'Z'], ['h', 'h'], ['m', 'm'], ['n', 'n'], ['ŋ', 'N'], ['l', 'l'], ['ɫ', 'l'], ['ɹ', 'r'],
  ['r', 'r'], ['w', 'w'], ['ʍ', 'w'], ['j', 'j'], ['ɾ', 't#'], ['ʔ', '?'], ['x', 'x'], ['ç', 'C'],
  ['ˈ', "'"], ['ˌ', ','], ['ː', ':'], [' ', ' '],
]
// Marks that change nothing espeak can say: tie bars, aspiration, syllable dots, delimiters.
const IGNORED_IPA = /[\u0361\u035c\u02b0./[\]]/g

/**
 * @example
 * ipaToEspeak('təˈmeɪtoʊ') // "t@m'eItoU"
 * ipaToEspeak('ʀ')         // undefined (not an English sound)
 */
export function ipaToEspeak(ipa: string): string | undefined {
  const input = ipa.normalize('NFC').replace(IGNORED_IPA, '').trim()
  let out = ''
  let i = 0
  outer: while (i < input.length) {
    for (const [from, to] of IPA_TO_ESPEAK) {
      if (input.startsWith(from, i)) {
        out += to
        i += from.length
        continue outer
      }
    }
    return undefined
  }
  return out || undefined
}

// CMU Arpabet (39 phonemes) → espeak-ng (English) and IPA; vowels carry stress digits 0-2.
const ARPABET: Record<string, [espeak: string, ipa: string]> = {
  AA: ['A:', 'ɑ'], AE: ['a', 'æ'], AH: ['V', 'ʌ'], AO: ['O:', 'ɔ'], AW: ['aU', 'aʊ'], AY: ['aI', 'aɪ'], EH: ['E', 'ɛ'], ER: ['3:', 'ɝ'],
  EY: ['eI', 'eɪ'], IH: ['I', 'ɪ'], IY: ['i:', 'i'], OW: ['oU', 'oʊ'], OY: ['OI', 'ɔɪ'], UH: ['U', 'ʊ'], UW: ['u:', 'u'],
  B: ['b', 'b'], CH: ['tS', 'tʃ'], D: ['d', 'd'], DH: ['D', 'ð'], F: ['f', 'f'], G: ['g', 'ɡ'], HH: ['h', 'h'], JH: ['dZ', 'dʒ'],
  K: ['k', 'k'], L: ['l', 'l'], M: ['m', 'm'], N: ['n', 'n'], NG: ['N', 'ŋ'], P: ['p', 'p'], R: ['r', 'ɹ'], S: ['s', 's'],
  SH: ['S', 'ʃ'], T: ['t', 't'], TH: ['T', 'θ'], V: ['v', 'v'], W: ['w', 'w'], Y: ['j', 'j'], Z: ['z', 'z'], ZH: ['Z', 'ʒ'],
}
// Unstressed AH and ER are the reduced vowels.
const REDUCED: Record<string, [string, string]> = { AH: ['@', 'ə'], ER: ['3', 'ɚ'] }

function arpabet(ph: string, column: 0 | 1, stress: [primary: string, secondary: string]): string | undefined {
  const tokens = ph.trim().toUpperCase().split(/\s+/).filter(Boolean)
  let out = ''
  for (const token of tokens) {
    const m = /^([A-Z]{1,2})([012])?$/.exec(token)
    const base = m?.[1]
    if (!base || !ARPABET[base]) return undefined
    const level = m[2]
    const sound = level === '0' && REDUCED[base] ? REDUCED[base][column] : ARPABET[base][column]
    out += (level === '1' ? stress[0] : level === '2' ? stress[1] : '') + sound
  }
  return out || undefined
}

/**
 * @example
 * arpabetToEspeak('T AH0 M EY1 T OW2') // "t@m'eIt,oU"
 */
export function arpabetToEspeak(ph: string): string | undefined {
  return arpabet(ph, 0, ["'", ','])
}

/**
 * @example
 * arpabetToIpa('T AH0 M EY1 T OW2') // 'təmˈeɪtˌoʊ'
 */
export function arpabetToIpa(ph: string): string | undefined {
  return arpabet(ph, 1, ['ˈ', 'ˌ'])
}
