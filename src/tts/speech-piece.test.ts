import { expect, test } from 'bun:test'
import { layoutOf, replay, type SpeechPiece } from './speech-piece.ts'

const pieces: SpeechPiece[] = [
  { bytes: new Uint8Array([1, 2, 3]), samples: 300, sampleRate: 22050, boundaries: [{ textOffset: 0, textLength: 5, sampleOffset: 0, kind: 'sentence' }, { textOffset: 0, textLength: 5, sampleOffset: 10, kind: 'word' }] },
  { bytes: new Uint8Array(0), samples: 100, sampleRate: 22050 },
  // A word reported late: it starts in the first piece's samples but arrived with the third.
  { bytes: new Uint8Array([4, 5]), samples: 200, sampleRate: 22050, boundaries: [{ textOffset: 6, textLength: 5, sampleOffset: 250, kind: 'word' }] },
]

test('a stored layout replays the very pieces, boundaries where they arrived, as views of the body', () => {
  const body = new Uint8Array([1, 2, 3, 4, 5])
  const layout = layoutOf(pieces, body)!
  const replayed = replay({ body, contentType: 'audio/pcm', meta: { layout, aligned: 1 } })
  expect(replayed).toEqual(pieces.map((p) => (p.boundaries ? p : { bytes: p.bytes, samples: p.samples, sampleRate: p.sampleRate })))
  expect(replayed[2]!.bytes.buffer).toBe(body.buffer)
})

test('no layout when the finished file is not the pieces end to end, and an entry without one is one piece', () => {
  expect(layoutOf(pieces, new Uint8Array(9))).toBeUndefined()
  const body = new Uint8Array([9, 9])
  expect(replay({ body, contentType: 'audio/wav', meta: { sampleRate: 24000, layout: '{not json' } })).toEqual([{ bytes: body, samples: 0, sampleRate: 24000 }])
})
