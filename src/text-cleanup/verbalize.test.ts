import { describe, expect, test } from 'bun:test'
import { identityText } from '../markup/source-map.ts'
import { verbalize } from './verbalize.ts'

const say = (text: string, language = 'en-US') => verbalize(identityText(text), language).text

describe('verbalize (English)', () => {
  test('currency in the symbol’s own words', () => {
    expect(say('It costs $3.50.')).toBe('It costs three dollars and fifty cents.')
    expect(say('Only $1 today')).toBe('Only one dollar today')
    expect(say('£5.01 and €10')).toBe('five pounds and one penny and ten euro')
    expect(say('$2.5 million')).toBe('two point five million US dollars')
    expect(say('pay 12 EUR')).toBe('pay twelve euro')
  })

  test('numbers, signs, decimals, grouped thousands and ordinals', () => {
    expect(say('I have 1,234 apples and 3.14 pies')).toBe('I have one thousand two hundred thirty-four apples and three point one four pies')
    expect(say('It is -5 outside')).toBe('It is minus five outside')
    expect(say('the 21st and 2nd place')).toBe('the twenty-first and second place')
  })

  test('years are said as years where people would', () => {
    expect(say('Born in 1999, moved in 2024.')).toBe('Born in nineteen ninety-nine, moved in twenty twenty-four.')
    expect(say('2050 people and 1500 chairs')).toBe('two thousand fifty people and fifteen hundred chairs')
  })

  test('percentages and units', () => {
    expect(say('50% off')).toBe('fifty percent off')
    expect(say('5 km at 20°C, 1 kg, 3.5 GB, 2.4 GHz')).toBe(
      'five kilometers at twenty degrees Celsius, one kilogram, three point five gigabytes, two point four gigahertz',
    )
  })

  test('dates and times', () => {
    expect(say('Due 2024-03-15 at 3:30 pm')).toBe('Due March fifteenth, twenty twenty-four at three thirty p m')
    expect(say('on 03/04/2025', 'en-US')).toBe('on March fourth, twenty twenty-five')
    expect(say('on 03/04/2025', 'en-GB')).toBe('on the third of April twenty twenty-five')
    expect(say('at 9:00, 15:00 and 7:05')).toBe("at nine o'clock, fifteen hundred and seven oh five")
    expect(say('March 3rd at 3pm')).toBe('March third at three p m')
  })

  test('telephone numbers digit by digit in their groups', () => {
    expect(say('Call +1 (555) 123-4567 now')).toBe('Call plus one, five five five, one two three, four five six seven now')
    expect(say('or 555-1234')).toBe('or five five five, one two three four')
  })

  test('URLs and e-mail addresses', () => {
    expect(say('See https://www.example.com/docs/start?x=1.')).toBe('See w w w dot example dot com slash docs slash start.')
    expect(say('Mail jane.doe+news@example.co.uk today')).toBe('Mail jane dot doe plus news at example dot co dot uk today')
    expect(say('visit example.org')).toBe('visit example dot org')
  })

  test('tokens that only look like numbers stay as written', () => {
    expect(say('MP3 and A4 paper in 3D, COVID-19, v2.0')).toBe('MP3 and A4 paper in 3D, COVID-19, v2.0')
    expect(say('2 * 3')).toBe('two * three')
  })

  test('what it replaced maps back onto the original characters', () => {
    const source = 'Pay $3.50 now'
    const out = verbalize(identityText(source), 'en-US')
    const span = out.spanToSource(4, out.text.indexOf(' now'))
    expect(source.slice(span.start, span.end)).toBe('$3.50')
    expect(source.slice(out.toSource(out.text.length - 1).start)).toBe('w')
  })
})

describe('verbalize (other languages)', () => {
  test('German numbers, currency, percent, units, dates and times', () => {
    expect(say('Es kostet 3,50 € und 1.234 Leute', 'de-DE')).toBe('Es kostet drei Euro und fünfzig Cent und eintausendzweihundertvierunddreißig Leute')
    expect(say('€3,50', 'de-DE')).toBe('drei Euro und fünfzig Cent')
    expect(say('50% und 5 km', 'de-DE')).toBe('fünfzig Prozent und fünf Kilometer')
    expect(say('am 15.03.2024 um 15:30', 'de-DE')).toBe('am fünfzehnte März zweitausendvierundzwanzig um fünfzehn Uhr dreißig')
  })

  test('French uses its own decimal comma and words', () => {
    expect(say('3,5 %', 'fr-FR')).toBe('trois virgule cinq pour cent')
  })

  test('a language without number words is left to the engine', () => {
    expect(say('123', 'xx')).toBe('123')
  })
})
