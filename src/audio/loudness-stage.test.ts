import { describe, expect, test } from 'bun:test'
import { ffmpegLoudness, speech } from '../../test/support/ebur128.ts'
import { LoudnessStage, MAX_GAIN_DB, VoiceLoudness } from './loudness-stage.ts'

const RATE = 22050
/** Splits speech into chunks of `size` samples (copies: the stage applies its gain in place). */
type Chunk = { samples: Int16Array; n: number }
const chunks = (samples: Int16Array, size = 2048): Chunk[] =>
  Array.from({ length: Math.ceil(samples.length / size) }, (_, i) => ({ samples: samples.slice(i * size, (i + 1) * size), n: i }))

function run(stage: LoudnessStage<Chunk>, input: Chunk[]) {
  const out: Chunk[] = []
  const heldAt: number[] = []
  for (const chunk of input) {
    const ready = stage.push(chunk)
    if (ready.length === 0) heldAt.push(chunk.n)
    out.push(...ready)
  }
  out.push(...stage.end())
  const joined = new Int16Array(out.reduce((n, c) => n + c.samples.length, 0))
  let at = 0
  for (const c of out) (joined.set(c.samples, at), (at += c.samples.length))
  return { out, heldAt, joined }
}

const TEXT = 'Every engine should sound equally loud, so the listener never reaches for the volume.'

describe('LoudnessStage', () => {
  test('without a target, chunks pass unchanged and at once, and the utterance is measured', () => {
    const input = speech(TEXT, 'en-us', RATE)
    const { out, heldAt, joined } = run(new LoudnessStage<Chunk>(RATE), chunks(input))
    expect(heldAt).toEqual([])
    expect([...joined]).toEqual([...input])
    expect(out.map((c) => c.n)).toEqual(chunks(input).map((c) => c.n))
  })

  test('a voice heard before is normalised from its first chunk, to within 0.5 LU of the target by ffmpeg', () => {
    const voices = new VoiceLoudness()
    const input = speech(TEXT, 'en-us', RATE, { amplitude: 30 })
    const first = new LoudnessStage<Chunk>(RATE)
    run(first, chunks(input))
    voices.update('en-us', first.result().lufs!)
    const stage = new LoudnessStage<Chunk>(RATE, { targetLufs: -16, prior: voices.get('en-us') })
    const { heldAt, joined } = run(stage, chunks(input))
    expect(heldAt).toEqual([])
    expect(stage.result().gainDb).toBeGreaterThan(5)
    expect(Math.abs(ffmpegLoudness(joined, RATE)! - -16)).toBeLessThan(0.5)
  })

  test('a voice heard for the first time waits for one 400 ms block only, then lands near the target', () => {
    const input = speech(TEXT, 'en-gb+f3', RATE, { amplitude: 40 })
    const stage = new LoudnessStage<Chunk>(RATE, { targetLufs: -18 })
    const { heldAt, joined } = run(stage, chunks(input))
    // 2048-sample chunks are 93 ms: the fifth completes the first block (more only while it is silence).
    expect(heldAt.length).toBeGreaterThanOrEqual(4)
    expect(heldAt.length * 2048).toBeLessThan(RATE * 2)
    expect(joined.length).toBe(input.length)
    expect(Math.abs(ffmpegLoudness(joined, RATE)! - -18)).toBeLessThan(3)
    // What is reported is the engine's own loudness, before the gain.
    expect(Math.abs(stage.result().lufs! - ffmpegLoudness(input, RATE)!)).toBeLessThan(0.5)
  })

  test('an utterance shorter than a block is released at its end, unchanged when it cannot be measured', () => {
    const input = speech('Hi.', 'en-us', RATE).slice(0, Math.round(RATE * 0.3))
    const stage = new LoudnessStage<Chunk>(RATE, { targetLufs: -16 })
    const { out, joined } = run(stage, chunks(input))
    expect(out.length).toBe(chunks(input).length)
    expect([...joined]).toEqual([...input])
    expect(stage.result()).toEqual({})
  })

  test('boosting stops 1 dB under full scale and never beyond the limit', () => {
    const whisper = speech(TEXT, 'en-us', RATE, { amplitude: 2 })
    const stage = new LoudnessStage<Chunk>(RATE, { targetLufs: -5 })
    const { joined } = run(stage, chunks(whisper))
    expect(stage.result().gainDb!).toBeLessThanOrEqual(MAX_GAIN_DB)
    const peak = joined.reduce((m, s) => Math.max(m, Math.abs(s)), 0)
    expect(peak).toBeLessThanOrEqual(32767)
  })

  test('VoiceLoudness remembers at most its limit of voices, newest kept', () => {
    const voices = new VoiceLoudness(2)
    voices.update('a', -20)
    voices.update('b', -22)
    voices.update('a', -30)
    voices.update('c', -18)
    expect(voices.get('b')).toBeUndefined()
    expect(voices.get('a')).toBeCloseTo(-23, 5)
    expect(voices.get('c')).toBe(-18)
  })
})
