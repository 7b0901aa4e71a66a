import { describe, expect, test } from 'bun:test'
import { plainDoc, plainText } from '../markup/speech-doc.ts'
import { parseSsml } from '../markup/ssml-parse.ts'
import { cleanUp } from './clean-up.ts'

const cleaned = (text: string, mode: 'on' | 'off' | 'auto', engineNormalizes = false) =>
  plainText(cleanUp(plainDoc(text), { mode, language: 'en-US', engineNormalizes }))

describe('cleanUp', () => {
  const llm = '**Total:** $3.50 🎉'

  test('on: markdown and emoji go and numbers are words', () => {
    expect(cleaned(llm, 'on')).toBe('Total: three dollars and fifty cents')
  })

  test('off: spoken as written', () => {
    expect(cleaned(llm, 'off')).toBe(llm)
  })

  test('auto: markdown and emoji always go; numbers only for engines that do not read them themselves', () => {
    expect(cleaned(llm, 'auto')).toBe('Total: three dollars and fifty cents')
    expect(cleaned(llm, 'auto', true)).toBe('Total: $3.50')
  })

  test('say-as is said as asked whatever the mode, in the part’s own language', () => {
    const doc = parseSsml(
      '<speak><say-as interpret-as="characters">abc</say-as> <say-as interpret-as="ordinal">3</say-as> ' +
        '<say-as interpret-as="digits">2024</say-as> <say-as interpret-as="date" format="dm">3/4</say-as> ' +
        '<say-as interpret-as="telephone">555-1234</say-as> <say-as interpret-as="time">3:05pm</say-as> ' +
        '<lang xml:lang="de-DE"><say-as interpret-as="cardinal">21</say-as></lang></speak>',
    )
    expect(plainText(cleanUp(doc, { mode: 'off', language: 'en-US' }))).toBe(
      'A-B-C third two zero two four April third five five five, one two three four three oh five p m einundzwanzig',
    )
  })

  test('say-as dates take formats with widths, as Amazon Polly and Google write them', () => {
    const said = (date: string, format: string) => plainText(cleanUp(parseSsml(`<speak><say-as interpret-as="date" format="${format}">${date}</say-as></speak>`), { mode: 'off', language: 'en-US' }))
    expect(said('20240315', 'yyyymmdd')).toBe(said('2024-03-15', 'ymd'))
    expect(said('15-03-2024', 'dd-mm-yyyy')).toBe(said('2024-03-15', 'ymd'))
    expect(said('0315', 'mmdd')).toBe(said('3/15', 'md'))
    expect(said('2024-03-15', 'ymd')).toBe('March fifteenth, twenty twenty-four')
  })

  test('a part in another language is cleaned in that language', () => {
    const doc = parseSsml('<speak>It is 50%. <lang xml:lang="fr-FR">C’est 50 %.</lang></speak>')
    expect(plainText(cleanUp(doc, { mode: 'on', language: 'en-US' }))).toBe('It is fifty percent. C’est cinquante pour cent.')
  })

  test('phonemes keep their written word', () => {
    const doc = parseSsml('<speak><phoneme ph="wʌn">1</phoneme> 2</speak>')
    const out = cleanUp(doc, { mode: 'on', language: 'en-US' })
    expect(out.parts.map((p) => (p.type === 'text' || p.type === 'phoneme' ? p.text.text : ''))).toEqual(['1', ' two'])
  })
})
