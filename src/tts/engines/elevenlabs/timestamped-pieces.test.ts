import { expect, test } from 'bun:test'
import { UpstreamError } from '../upstream/upstream-error.ts'
import { timestampedPieces } from './timestamped-pieces.ts'

const encoder = new TextEncoder()
const line = (audio: number[], characters: string[], starts: number[]) =>
  `${JSON.stringify({ audio_base64: Buffer.from(new Uint8Array(audio)).toString('base64'), alignment: { characters, character_start_times_seconds: starts } })}\n`

async function* bytes(...parts: string[]) {
  for (const part of parts) yield encoder.encode(part)
}

async function collect(parts: string[], text: string) {
  const out = []
  for await (const piece of timestampedPieces(bytes(...parts), { engine: 'eleven', text, sampleRate: 1000 })) out.push(piece)
  return out
}

test('lines split anywhere become pieces with a boundary at each word start, offsets into the text', async () => {
  const first = line([1, 2], ['H', 'i', ' '], [0, 0.1, 0.2])
  const second = line([3, 4], ['y', 'o', 'u'], [0.3, 0.4, 0.5])
  const pieces = await collect([first.slice(0, 10), first.slice(10) + second.slice(0, 5), second.slice(5)], 'Hi you')
  expect(pieces.map((p) => [...p.bytes])).toEqual([[1, 2], [3, 4]])
  expect(pieces[0]!.boundaries).toEqual([{ textOffset: 0, textLength: 2, sampleOffset: 0, kind: 'word' }])
  expect(pieces[1]!.boundaries).toEqual([{ textOffset: 3, textLength: 3, sampleOffset: 300, kind: 'word' }])
})

test('a line that is not JSON, or carries no audio, is a bad response from the upstream', async () => {
  for (const bad of ['<html>\n', '{"alignment":null}\n']) {
    const err = await collect([bad], 'x').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UpstreamError)
    expect((err as UpstreamError).reason).toBe('bad_response')
  }
})
