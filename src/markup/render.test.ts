import { describe, expect, test } from 'bun:test'
import { docSentences } from './doc-sentences.ts'
import { renderElevenLabs } from './render-elevenlabs.ts'
import { renderEspeak } from './render-espeak.ts'
import { renderText } from './render-text.ts'
import { plainText } from './speech-doc.ts'
import { parseSsml } from './ssml-parse.ts'

const SOURCE =
  '<speak>Tom &amp; Jerry say <phoneme alphabet="ipa" ph="təˈmeɪtoʊ">tomato</phoneme>. <break time="1s"/>' +
  '<prosody rate="slow">Slowly</prosody> <lang xml:lang="fr-FR">merci</lang>!</speak>'
const doc = parseSsml(SOURCE)
const texts = (pieces: ReturnType<typeof renderText>['pieces']) => pieces.map((p) => (p.type === 'speech' ? p.text.text : `~${p.ms}ms`))

describe('docSentences', () => {
  test('cuts between sentences, pauses going with the sentence after them', () => {
    expect(docSentences(doc).map(plainText)).toEqual(['Tom & Jerry say tomato.', 'Slowly merci!'])
    expect(docSentences(doc)[1]!.parts[0]).toMatchObject({ type: 'break', ms: 1000 })
  })

  test('<s> and <p> always end a sentence', () => {
    expect(docSentences(parseSsml('<speak><s>no stop here</s><s>and here</s></speak>')).map(plainText)).toEqual(['no stop here', 'and here'])
  })
})

describe('renderEspeak', () => {
  const rendered = renderEspeak(doc)

  test('one SSML sentence each, our silence for pauses, phonemes in espeak-ng’s notation, styles as its tags', () => {
    expect(texts(rendered.pieces)).toEqual([
      "Tom &amp; Jerry say  [[t@'meItoU]] . ",
      '~1000ms',
      '<prosody rate="slow">Slowly</prosody> <voice xml:lang="fr-FR">merci</voice>!',
    ])
    expect(rendered.ignored).toEqual([])
  })

  test('every character maps back to what the client wrote', () => {
    const first = rendered.pieces[0]!
    if (first.type !== 'speech') throw new Error('speech expected')
    const at = (needle: string) => {
      const i = first.text.text.indexOf(needle)
      const span = first.text.spanToSource(i, i + needle.length)
      return SOURCE.slice(span.start, span.end)
    }
    expect(at('Jerry')).toBe('Jerry')
    expect(at('&amp;')).toBe('&amp;')
    expect(at("[[t@'meItoU]]")).toBe('tomato')
  })

  test('a phoneme it cannot convert is said as written and reported', () => {
    const out = renderEspeak(parseSsml('<speak><phoneme ph="ʀø">rue</phoneme></speak>'))
    expect(texts(out.pieces)).toEqual(['rue'])
    expect(out.ignored).toEqual(['phoneme'])
  })
})

describe('renderText (openai upstreams)', () => {
  test('breaks become our own silence between text pieces; styles are reported as ignored', () => {
    const out = renderText(doc)
    expect(texts(out.pieces)).toEqual(['Tom & Jerry say tomato.', '~1000ms', 'Slowly merci!'])
    expect(out.ignored.toSorted()).toEqual(['phoneme', 'ssml:lang', 'ssml:prosody'])
  })

  test('Kokoro’s phoneme syntax, Arpabet turned into IPA', () => {
    const out = renderText(parseSsml('<speak>say <phoneme alphabet="cmu-arpabet" ph="T AH0 M EY1 T OW2">tomato</phoneme></speak>'), { phonemeSyntax: 'kokoro' })
    expect(texts(out.pieces)).toEqual(['say [tomato](/təmˈeɪtˌoʊ/)'])
    expect(out.ignored).toEqual([])
  })
})

describe('renderElevenLabs', () => {
  test('break and phoneme inline, everything else text', () => {
    const out = renderElevenLabs(doc)
    expect(texts(out.pieces)).toEqual([
      'Tom & Jerry say <phoneme alphabet="ipa" ph="təˈmeɪtoʊ">tomato</phoneme> . <break time="1s" /> Slowly merci!',
    ])
    expect(out.ignored.toSorted()).toEqual(['ssml:lang', 'ssml:prosody'])
  })
})
