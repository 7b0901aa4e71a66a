import { describe, expect, test } from 'bun:test'
import type { Boundary } from './engine.ts'
import type { SpeechPiece } from './speech-piece.ts'
import { UtteranceFrames, type UtteranceAudio } from './utterance-frames.ts'

const RATE = 1000

function chunk(samples: number, boundaries: Boundary[] = []): SpeechPiece {
  const pcm = new Int16Array(samples).fill(samples)
  return { bytes: new Uint8Array(pcm.buffer), samples, sampleRate: RATE, boundaries }
}

function utterance(text: string): UtteranceAudio & { done: boolean; pieces: SpeechPiece[] } {
  return { text, pieces: [], done: false }
}

describe('UtteranceFrames', () => {
  test('a chunk is read only once the next one or the end is there, and the reader ends after the last', () => {
    const u = utterance('Hello world.')
    const frames = new UtteranceFrames(u, false)
    expect(frames.next()).toBe('wait')
    u.pieces.push(chunk(3))
    expect(frames.next()).toBe('wait')
    u.pieces.push(chunk(5))
    const first = frames.next()
    expect(first).toEqual({ bytes: u.pieces[0]!.bytes })
    expect(frames.next()).toBe('wait')
    u.done = true
    expect(frames.next()).toEqual({ bytes: u.pieces[1]!.bytes })
    expect(frames.next()).toBe('end')
  })

  test('empty chunks make no frame, and encoded chunks go out as the engine encoded them', () => {
    const u = utterance('Hi.')
    const encoded = new Uint8Array([1, 2, 3])
    u.pieces.push(chunk(0), { bytes: encoded, samples: 480, sampleRate: RATE }, chunk(0))
    u.done = true
    const frames = new UtteranceFrames(u, false)
    expect(frames.next()).toEqual({ bytes: encoded })
    expect(frames.next()).toBe('end')
  })

  test('with alignment, each frame carries the words that start in it, times relative to the frame', () => {
    const u = utterance('Hello world.')
    u.pieces.push(chunk(100, [{ textOffset: 0, textLength: 5, sampleOffset: 0, kind: 'word' }]))
    u.pieces.push(chunk(200, [{ textOffset: 6, textLength: 5, sampleOffset: 100, kind: 'word' }]))
    u.done = true
    const frames = new UtteranceFrames(u, true)
    const first = frames.next()
    const second = frames.next()
    if (typeof first === 'string' || typeof second === 'string') throw new Error('expected two frames')
    expect(first.alignment).toEqual({ chars: [...'Hello'], charStartTimesMs: [0, 20, 40, 60, 80], charDurationsMs: [20, 20, 20, 20, 20] })
    // The last frame also takes the trailing punctuation, at its end; its times start at its own beginning.
    expect(second.alignment!.chars.join('')).toBe(' world.')
    expect(second.alignment!.charStartTimesMs).toEqual([0, 0, 40, 80, 120, 160, 200])
    expect(frames.next()).toBe('end')
  })

  test('without alignment, frames carry no alignment at all', () => {
    const u = utterance('Hello.')
    u.pieces.push(chunk(10, [{ textOffset: 0, textLength: 6, sampleOffset: 0, kind: 'word' }]))
    u.done = true
    const frame = new UtteranceFrames(u, false).next()
    expect(frame).not.toHaveProperty('alignment')
  })

  test('an utterance after another starts its alignment with the whitespace that parted them, taking no time', () => {
    const u = utterance('Lights.')
    u.pieces.push(chunk(100, [{ textOffset: 0, textLength: 6, sampleOffset: 10, kind: 'word' }]), chunk(50))
    u.done = true
    const frames = new UtteranceFrames(u, true, ' ')
    const first = frames.next()
    const second = frames.next()
    if (typeof first === 'string' || typeof second === 'string') throw new Error('expected two frames')
    expect(first.alignment!.chars.join('')).toBe(' Lights')
    expect(first.alignment!.charStartTimesMs[0]).toBe(10)
    expect(first.alignment!.charDurationsMs[0]).toBe(0)
    // Only the first frame carries it.
    expect(second.alignment!.chars.join('')).toBe('.')
  })
})
