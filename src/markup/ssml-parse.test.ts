import { describe, expect, test } from 'bun:test'
import { MarkupError } from './markup-error.ts'
import { plainText, type SpeechDoc, type SpeechPart } from './speech-doc.ts'
import { MAX_DEPTH, parseSsml } from './ssml-parse.ts'

const summary = (doc: SpeechDoc) =>
  doc.parts.map((p: SpeechPart) => {
    if (p.type === 'break') return `break:${p.ms}`
    if (p.type === 'boundary') return `|${p.level}`
    if (p.type === 'phoneme') return `phoneme:${p.text.text}=${p.alphabet}:${p.ph}`
    return p.sayAs ? `say-as:${p.sayAs.interpretAs}:${p.text.text}` : `text:${p.text.text}`
  })

const errorOf = (fn: () => unknown): MarkupError => {
  try {
    fn()
  } catch (err) {
    if (err instanceof MarkupError) return err
    throw err
  }
  throw new Error('expected a MarkupError')
}

describe('parseSsml', () => {
  test('turns the subset into one flat list of parts', () => {
    const doc = parseSsml(
      '<speak>Hello <break time="1.5s"/>I say <phoneme alphabet="ipa" ph="təˈmeɪtoʊ">tomato</phoneme>, ' +
        '<say-as interpret-as="characters">abc</say-as> <sub alias="World Wide Web">WWW</sub>.</speak>',
    )
    expect(summary(doc)).toEqual([
      'text:Hello ',
      'break:1500',
      'text:I say ',
      'phoneme:tomato=ipa:təˈmeɪtoʊ',
      'text:, ',
      'say-as:characters:abc',
      'text: ',
      'text:World Wide Web',
      'text:.',
    ])
    expect(doc.ignored).toEqual([])
  })

  test('nesting becomes each part’s style', () => {
    const doc = parseSsml('<speak xml:lang="en-US"><prosody rate="slow" pitch="+2st"><emphasis level="strong">Now</emphasis> <lang xml:lang="fr-FR">merci</lang></prosody></speak>')
    const [now, , merci] = doc.parts
    expect(now).toMatchObject({ style: { lang: 'en-US', prosody: { rate: 'slow', pitch: '+2st' }, emphasis: 'strong' } })
    expect(merci).toMatchObject({ style: { lang: 'fr-FR', prosody: { rate: 'slow', pitch: '+2st' } } })
  })

  test('paragraphs and sentences end where their elements end', () => {
    expect(summary(parseSsml('<speak><p><s>One</s><s>Two</s></p><p>Three</p></speak>'))).toEqual([
      'text:One',
      '|sentence',
      'text:Two',
      '|sentence',
      'text:Three',
      '|paragraph',
    ])
  })

  test('break strengths and the default map to pauses', () => {
    const doc = parseSsml('<speak>a<break strength="x-strong"/>b<break/>c<break strength="none"/>d<break time="250ms"/></speak>')
    expect(summary(doc).filter((s) => s.startsWith('break'))).toEqual(['break:1200', 'break:400', 'break:0', 'break:250'])
  })

  test('text keeps its map to the characters the client sent, through entities and aliases', () => {
    const source = '<speak>Tom &amp; Jerry <sub alias="doctor">Dr.</sub> X</speak>'
    const doc = parseSsml(source)
    const [tom, alias] = doc.parts
    if (tom?.type !== 'text' || alias?.type !== 'text') throw new Error('expected text')
    expect(tom.text.text).toBe('Tom & Jerry ')
    const jerry = tom.text.text.indexOf('Jerry')
    expect(source.slice(tom.text.toSource(jerry).start, tom.text.toSource(jerry + 4).end)).toBe('Jerry')
    const amp = tom.text.toSource(tom.text.text.indexOf('&'))
    expect(source.slice(amp.start, amp.end)).toBe('&amp;')
    const span = alias.text.spanToSource(0, alias.text.text.length)
    expect(source.slice(span.start, span.end)).toBe('Dr.')
  })

  test('a fragment with inline tags parses as ElevenLabs text, a bare & included', () => {
    const source = 'Tom & Jerry <break time="1s"/> say <phoneme alphabet="cmu-arpabet" ph="T AH0 M EY1 T OW2">tomato</phoneme>'
    const doc = parseSsml(source, { fragment: true })
    expect(summary(doc)).toEqual(['text:Tom & Jerry ', 'break:1000', 'text: say ', 'phoneme:tomato=cmu-arpabet:T AH0 M EY1 T OW2'])
    const first = doc.parts[0]!
    if (first.type !== 'text') throw new Error('expected text')
    expect(first.text.toSource(4)).toEqual({ start: 4, end: 5 })
    const phoneme = doc.parts[3]!
    if (phoneme.type !== 'phoneme') throw new Error('expected phoneme')
    expect(source.slice(phoneme.text.toSource(0).start, phoneme.text.toSource(5).end)).toBe('tomato')
  })

  test('in a fragment a < that starts no tag is text; one that starts a tag is still checked', () => {
    const source = 'If x < 5 and I <3 it <break time="1s"/> stop.'
    const doc = parseSsml(source, { fragment: true })
    expect(summary(doc)).toEqual(['text:If x < 5 and I <3 it ', 'break:1000', 'text: stop.'])
    const first = doc.parts[0]!
    if (first.type !== 'text') throw new Error('expected text')
    expect(first.text.toSource(first.text.text.indexOf('<'))).toEqual({ start: 5, end: 6 })
    expect(errorOf(() => parseSsml('x <b and <break time="1s"/>', { fragment: true })).line).toBe(1)
    expect(errorOf(() => parseSsml('<speak>x < 5</speak>')).reason).toBeTruthy()
  })

  test('elements outside the subset are dropped, their text spoken, and reported', () => {
    const doc = parseSsml('<speak><voice name="x">Hello <mark name="m1"/>there</voice> <amazon:effect name="whispered">psst</amazon:effect></speak>')
    expect(plainText(doc)).toBe('Hello there psst')
    expect(doc.ignored.toSorted()).toEqual(['ssml:amazon:effect', 'ssml:mark', 'ssml:voice'])
  })

  test('comments, processing instructions and CDATA are not spoken as markup', () => {
    const doc = parseSsml('<?xml version="1.0"?><speak>a<!-- not this --><![CDATA[ 1 < 2 ]]><?pi x?>b</speak>')
    expect(plainText(doc)).toBe('a 1 < 2 b')
  })
})

describe('parseSsml refuses malformed and hostile markup, naming where', () => {
  test('an unclosed tag names its line and column', () => {
    const err = errorOf(() => parseSsml('<speak>\n  Hello <emphasis>there\n</speak>'))
    expect(err.message).toMatch(/line 3, column \d+/)
    expect(err.line).toBe(3)
  })

  test('a tag split in the middle of a fragment names the character', () => {
    const err = errorOf(() => parseSsml('Hello <break time="1s" world', { fragment: true }))
    expect(err.offset).toBeGreaterThanOrEqual(6)
    expect(err.offset).toBeLessThanOrEqual(28)
  })

  test('a DTD is refused before any entity is expanded (billion laughs)', () => {
    const lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><speak>&lol3;</speak>'
    const err = errorOf(() => parseSsml(lol))
    expect(err.reason).toMatch(/DOCTYPE/)
    expect(err.offset).toBe(lol.indexOf('<!DOCTYPE'))
  })

  test('external entities and unknown entity references are errors, never fetched or spoken', () => {
    expect(errorOf(() => parseSsml('<speak>&xxe;</speak>')).reason).toMatch(/entity/)
    expect(errorOf(() => parseSsml('<!DOCTYPE speak SYSTEM "file:///etc/passwd"><speak>x</speak>')).reason).toMatch(/DOCTYPE/)
  })

  test('deep nesting stops at the limit', () => {
    const deep = `<speak>${'<emphasis>'.repeat(MAX_DEPTH + 5)}x${'</emphasis>'.repeat(MAX_DEPTH + 5)}</speak>`
    expect(errorOf(() => parseSsml(deep)).reason).toMatch(/nested deeper/)
  })

  test('huge attributes and attribute floods are refused', () => {
    expect(errorOf(() => parseSsml(`<speak><sub alias="${'a'.repeat(5000)}">x</sub></speak>`)).reason).toMatch(/longer than/)
    const many = Array.from({ length: 40 }, (_, i) => `a${i}="1"`).join(' ')
    expect(errorOf(() => parseSsml(`<speak><prosody ${many}>x</prosody></speak>`)).reason).toMatch(/more than/)
  })

  test('pauses adding up to more than five minutes are refused at the break that goes over', () => {
    const breaks = (n: number) => '<break time="10s"/>'.repeat(n)
    expect(parseSsml(`<speak>Breathe in. ${breaks(30)}</speak>`).parts.filter((p) => p.type === 'break')).toHaveLength(30)
    const error = errorOf(() => parseSsml(`<speak>Breathe in. ${breaks(31)}</speak>`))
    expect(error.reason).toBe('pauses add up to more than 300s in one text')
    expect(error.offset).toBe('<speak>Breathe in. '.length + 30 * '<break time="10s"/>'.length)
  })

  test('bad attribute values name the element', () => {
    expect(errorOf(() => parseSsml('<speak><break time="forever"/></speak>')).reason).toMatch(/<break time="forever">/)
    expect(errorOf(() => parseSsml('<speak><break time="20s"/></speak>')).reason).toMatch(/at most 10s/)
    expect(errorOf(() => parseSsml('<speak><phoneme alphabet="x-sampa" ph="a">a</phoneme></speak>')).reason).toMatch(/alphabets/)
    expect(errorOf(() => parseSsml('<speak><phoneme ph="">a</phoneme></speak>')).reason).toMatch(/non-empty ph/)
    expect(errorOf(() => parseSsml('<speak><say-as interpret-as="weird">a</say-as></speak>')).reason).toMatch(/interpret-as/)
    expect(errorOf(() => parseSsml('<speak><prosody rate="warp">a</prosody></speak>')).reason).toMatch(/rate/)
  })

  test('text-only elements refuse child elements, and break refuses content', () => {
    expect(errorOf(() => parseSsml('<speak><sub alias="a">x<break/></sub></speak>')).reason).toMatch(/only text/)
    expect(errorOf(() => parseSsml('<speak><break time="1s">now</break></speak>')).reason).toMatch(/must be empty/)
  })

  test('the root must be speak', () => {
    expect(errorOf(() => parseSsml('<voice>x</voice>')).reason).toMatch(/root element/)
  })
})
