/**
 * ElevenLabs' `/stream/with-timestamps` body: one JSON object per line, each with base64
 * audio and the alignment of the characters it speaks. Turned into audio pieces carrying
 * word boundaries (the unit our alignment code works from), so the upstream's own timings
 * reach our clients' alignment instead of estimates.
 */
import type { Boundary } from '../../engine.ts'
import type { UpstreamPiece } from '../upstream/upstream-audio.ts'
import { UpstreamError } from '../upstream/upstream-error.ts'

interface TimestampLine {
  audio_base64?: unknown
  alignment?: { characters?: unknown; character_start_times_seconds?: unknown } | null
}

/**
 * @example
 * for await (const piece of timestampedPieces(stream.chunks, { engine: 'eleven', text, sampleRate: 24000 })) use(piece.bytes, piece.boundaries)
 */
export async function* timestampedPieces(
  chunks: AsyncIterable<Uint8Array>,
  options: { engine: string; text: string; sampleRate: number },
): AsyncGenerator<UpstreamPiece> {
  const decoder = new TextDecoder()
  let pending = ''
  let charIndex = 0
  let previous = ' '
  const parse = (line: string): UpstreamPiece => {
    let json: TimestampLine
    try {
      json = JSON.parse(line) as TimestampLine
    } catch {
      throw new UpstreamError(options.engine, 'bad_response', 'a with-timestamps line is not JSON')
    }
    if (typeof json.audio_base64 !== 'string') throw new UpstreamError(options.engine, 'bad_response', 'a with-timestamps line has no audio_base64')
    const bytes = new Uint8Array(Buffer.from(json.audio_base64, 'base64'))
    const characters = Array.isArray(json.alignment?.characters) ? (json.alignment.characters as unknown[]) : []
    const starts = Array.isArray(json.alignment?.character_start_times_seconds) ? (json.alignment.character_start_times_seconds as unknown[]) : []
    const boundaries: Boundary[] = []
    characters.forEach((char, i) => {
      const at = charIndex + i
      const start = starts[i]
      const isWordStart = typeof char === 'string' && /\S/.test(char) && /\s/.test(previous)
      previous = typeof char === 'string' ? char : ' '
      if (!isWordStart || typeof start !== 'number' || options.text[at] !== char) return
      const word = /\S+/y
      word.lastIndex = at
      boundaries.push({ textOffset: at, textLength: word.exec(options.text)?.[0].length ?? 1, sampleOffset: Math.round(start * options.sampleRate), kind: 'word' })
    })
    charIndex += characters.length
    return { bytes, ...(boundaries.length && { boundaries }) }
  }
  for await (const bytes of chunks) {
    pending += decoder.decode(bytes, { stream: true })
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const line = pending.slice(0, nl).trim()
      pending = pending.slice(nl + 1)
      if (line) yield parse(line)
    }
  }
  pending += decoder.decode()
  if (pending.trim()) yield parse(pending.trim())
}
