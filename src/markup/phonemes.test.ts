import { describe, expect, test } from 'bun:test'
import { arpabetToEspeak, arpabetToIpa, ipaToEspeak } from './phonemes.ts'

describe('phoneme conversion', () => {
  test('IPA from espeak-ng itself converts back to the phonemes espeak-ng says for the word', () => {
    // Words whose espeak IPA has a one-to-one mnemonic (espeak-ng -v en-us --ipa / -x).
    const words: Array<[string, string]> = [
      ['təmˈeɪɾoʊ', "t@m'eIt#oU"],
      ['həlˈoʊ', "h@l'oU"],
      ['θˈɔːt', "T'O:t"],
      ['tʃˈɜːtʃ', "tS'3:tS"],
      ['dʒˈʌdʒ', "dZ'VdZ"],
      ['mˈɛʒɚ', "m'EZ3"],
      ['ðˈɪs', "D'Is"],
      ['ɐbˈaʊt', "a#b'aUt"],
      ['fˈɑːðɚ', "f'A:D3"],
      ['bˈʌʔn̩', "b'V?n-"],
    ]
    for (const [ipa, espeak] of words) expect(ipaToEspeak(ipa)).toBe(espeak)
  })

  test('delimiters, syllable dots and tie bars are not sounds', () => {
    // A stress mark before the syllable's onset (IPA's habit) is read by espeak-ng as stressing its vowel.
    expect(ipaToEspeak('/tə.ˈmeɪ.t͡oʊ/')).toBe("t@'meItoU")
  })

  test('a symbol outside English fails rather than guessing', () => {
    expect(ipaToEspeak('ʀøʒ')).toBeUndefined()
    expect(ipaToEspeak('')).toBeUndefined()
  })

  test('Arpabet with stress digits', () => {
    expect(arpabetToEspeak('T AH0 M EY1 T OW2')).toBe("t@m'eIt,oU")
    expect(arpabetToIpa('T AH0 M EY1 T OW2')).toBe('təmˈeɪtˌoʊ')
    expect(arpabetToEspeak('s iy1 k w ah0 l')).toBe("s'i:kw@l")
    expect(arpabetToEspeak('XX1')).toBeUndefined()
  })
})
