import { describe, expect, test } from 'bun:test'
import { ffmpegLoudness, speech } from '../../test/support/ebur128.ts'
import { LoudnessMeter } from './loudness.ts'

function measure(samples: Int16Array, rate: number, chunk = 1000): LoudnessMeter {
  const meter = new LoudnessMeter(rate, true)
  for (let i = 0; i < samples.length; i += chunk) meter.push(samples.subarray(i, i + chunk))
  return meter
}

function sine(rate: number, seconds: number, peak: number, hz = 997): Int16Array {
  return Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.round(peak * 32767 * Math.sin((2 * Math.PI * hz * i) / rate)))
}

const SPEECH: [string, string, number, { amplitude?: number; speed?: number }][] = [
  ['The quick brown fox jumps over the lazy dog, and the dog does not mind at all.', 'en-us', 22050, {}],
  ['Speech at the edge should sound equally loud, whichever engine speaks it.', 'en-gb+f3', 22050, { amplitude: 40 }],
  ['Guten Tag! Wie geht es Ihnen heute? Das Wetter ist schön.', 'de', 16000, { speed: 140 }],
  ['Bonjour tout le monde, voici une phrase un peu plus longue que les autres.', 'fr+m3', 24000, { amplitude: 160 }],
  ['One, two, three. Four, five, six. Seven, eight, nine, ten.', 'en-us+f2', 44100, { speed: 260 }],
  ['A quieter voice reads this sentence slowly, with pauses. Then it stops.', 'en-us', 48000, { amplitude: 15, speed: 120 }],
]

describe('LoudnessMeter (ITU-R BS.1770-4)', () => {
  test.each(SPEECH)('real speech "%s" (%s, %i Hz) reads within 0.5 LU of ffmpeg ebur128', (text, voice, rate, options) => {
    const samples = speech(text, voice, rate, options)
    const ours = measure(samples, rate).integrated()!
    const reference = ffmpegLoudness(samples, rate)!
    expect(Number.isFinite(reference)).toBe(true)
    expect(Math.abs(ours - reference)).toBeLessThan(0.5)
  })

  test('the same speech at a different level reads that many LU louder or quieter', () => {
    const quiet = speech('A sentence read twice at two levels.', 'en-us', 22050, { amplitude: 30 })
    const loud = quiet.map((s) => s * 2)
    const difference = measure(loud, 22050).integrated()! - measure(quiet, 22050).integrated()!
    expect(difference).toBeCloseTo(20 * Math.log10(2), 1)
  })

  test('a 997 Hz sine reads its RMS level in LUFS, at 48 kHz and at 22.05 kHz', () => {
    for (const rate of [48000, 22050]) {
      expect(measure(sine(rate, 3, 0.5), rate).integrated()!).toBeCloseTo(20 * Math.log10(0.5 / Math.SQRT2), 1)
    }
  })

  test('silence is gated out: a tone between long silences reads as the tone alone', () => {
    const rate = 22050
    const tone = sine(rate, 2, 0.25)
    const padded = new Int16Array(rate * 10)
    padded.set(tone, rate * 4)
    // Ungated, 8 s of silence would pull 2 s of tone down by 7 LU; gated, only the blocks
    // straddling its edges (part tone, part silence) pull it down, by under 1 LU.
    const alone = measure(tone, rate).integrated()!
    expect(alone - measure(padded, rate).integrated()!).toBeLessThan(1)
    expect(Math.abs(measure(padded, rate).integrated()! - ffmpegLoudness(padded, rate)!)).toBeLessThan(0.5)
  })

  test('the chunking of the input does not change the result', () => {
    const samples = speech('Chunks of any size give one answer.', 'en-us', 22050)
    const whole = measure(samples, 22050, samples.length).integrated()
    expect(measure(samples, 22050, 1).integrated()).toBeCloseTo(whole!, 9)
    expect(measure(samples, 22050, 4097).integrated()).toBeCloseTo(whole!, 9)
  })

  test('a long signal, measured batch by batch as it arrives, reads as ffmpeg does and whatever its chunking', () => {
    // 14 s at 24 kHz: two full batches of 6.4 s and a rest, with a 25 Hz rumble under the speech.
    const words = speech('A long reading, cut into batches as it arrives, and measured all the same.', 'en-us+f3', 24000, { amplitude: 60 })
    const samples = Int16Array.from({ length: 24000 * 14 }, (_, i) => Math.round(words[i % words.length]! * (1 + 0.5 * Math.sin(i / 40000)) + 800 * Math.sin(i / 153)))
    const whole = measure(samples, 24000, samples.length).integrated()!
    expect(Math.abs(whole - ffmpegLoudness(samples, 24000)!)).toBeLessThan(0.5)
    expect(measure(samples, 24000, 1).integrated()).toBeCloseTo(whole, 9)
    expect(measure(samples, 24000, 76801).integrated()).toBeCloseTo(whole, 9)
  })

  test('a finished meter still reads its loudness and refuses more samples', () => {
    const samples = sine(22050, 8, 0.5)
    const meter = measure(samples, 22050)
    const before = meter.integrated()
    meter.finish()
    expect(meter.integrated()).toBe(before!)
    expect(meter.seconds).toBeCloseTo(8, 6)
    expect(() => meter.push(samples)).toThrow('finished')
    // The next meter of this thread takes the finished one's buffer and starts from silence.
    expect(measure(sine(22050, 2, 0.05), 22050).integrated()).toBeCloseTo(20 * Math.log10(0.05 / Math.SQRT2), 1)
  })

  test('no loudness for less than one 400 ms block, or for silence; the peak is tracked', () => {
    expect(measure(sine(22050, 0.3, 0.5), 22050).integrated()).toBeUndefined()
    expect(measure(new Int16Array(22050 * 2), 22050).integrated()).toBeUndefined()
    expect(measure(sine(22050, 1, 0.5), 22050).peak).toBeCloseTo(0.5, 3)
  })
})
