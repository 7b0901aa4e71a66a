/**
 * Speech with pauses for an engine in this process that reads plain text and makes no pause
 * on request (the neural `sherpa` kind): each text piece of the rendered document
 * (markup/render-text.ts) is synthesised in turn as PCM, with exact silence of ours for each
 * pause. The quiet the engine leaves at the edges of a piece next to a pause is trimmed, so
 * the listener hears the pause that was asked for; boundaries are moved onto the client's text
 * and counted from the start of the whole.
 */
import type { RenderedPiece } from '../../markup/rendered.ts'
import { SourceBoundaries } from '../../markup/source-boundaries.ts'
import type { Boundary, PcmChunk } from '../engine.ts'
import { QUIET } from './upstream/spoken-pieces.ts'

/** Before any audio says otherwise (a document that starts with a pause). */
const DEFAULT_RATE = 22050

/**
 * @example
 * yield* pausedSpeech(renderText(doc).pieces, (text) => engine.synthesize(text, voice, { speed }, signal))
 */
export async function* pausedSpeech(pieces: readonly RenderedPiece[], speak: (text: string) => AsyncIterable<PcmChunk>): AsyncGenerator<PcmChunk> {
  let emitted = 0
  let rate: number | undefined
  let pendingMs = 0
  const silence = (sampleRate: number): PcmChunk | undefined => {
    const samples = new Int16Array(Math.round((pendingMs * sampleRate) / 1000))
    pendingMs = 0
    emitted += samples.length
    return samples.length ? { samples, sampleRate } : undefined
  }
  for (const [i, piece] of pieces.entries()) {
    if (piece.type === 'silence') {
      pendingMs += piece.ms
      continue
    }
    const trimStart = pieces[i - 1]?.type === 'silence'
    const trimEnd = pieces[i + 1]?.type === 'silence'
    const toSource = new SourceBoundaries(piece.text)
    let pieceStart = -1 // where this piece's first kept sample lands in the whole
    let dropped = 0 // samples cut from the piece's start
    let held = new Int16Array(0) // a quiet run that is the piece's tail unless more speech follows
    for await (const chunk of speak(piece.text.text)) {
      rate = chunk.sampleRate
      if (pendingMs > 0) {
        const gap = silence(rate)
        if (gap) yield gap
      }
      let samples = chunk.samples
      if (pieceStart < 0) {
        const first = trimStart ? samples.findIndex((x) => Math.abs(x) >= QUIET) : 0
        if (first === -1) {
          dropped += samples.length
          continue
        }
        dropped += first
        samples = samples.subarray(first)
        pieceStart = emitted
      }
      const boundaries = toSource.map(chunk.boundaries ?? []).map((b): Boundary => ({ ...b, sampleOffset: pieceStart + Math.max(0, b.sampleOffset - dropped) }))
      if (trimEnd) {
        const combined = new Int16Array(held.length + samples.length)
        combined.set(held)
        combined.set(samples, held.length)
        let loud = combined.length
        while (loud > 0 && Math.abs(combined[loud - 1]!) < QUIET) loud--
        held = combined.slice(loud)
        samples = combined.subarray(0, loud)
      }
      if (samples.length === 0 && boundaries.length === 0) continue
      emitted += samples.length
      yield { samples: samples.slice(), sampleRate: chunk.sampleRate, ...(boundaries.length && { boundaries }) }
    }
  }
  if (pendingMs > 0) {
    const tail = silence(rate ?? DEFAULT_RATE)
    if (tail) yield tail
  }
}
