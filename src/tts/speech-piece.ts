/**
 * Speech as it leaves synthesis, piece by piece: each piece's encoded bytes, the engine
 * samples they stand for and the word boundaries that start in it. Sessions align text
 * from these, and the cache keeps their layout beside the audio, so a hit replays the very
 * pieces (and so the very alignment) the synthesis produced.
 */
import type { CachedAudio } from '../cache/cache.ts'
import type { Boundary, PcmChunk } from './engine.ts'

export interface SpeechPiece {
  /** Encoded audio (empty while an encoder holds samples back). */
  bytes: Uint8Array
  /** Engine samples the piece stands for, at `sampleRate`. */
  samples: number
  /** The engine's PCM rate: alignment counts samples at it. */
  sampleRate: number
  /** Boundaries that start inside this piece (sample offsets from the start of the utterance). */
  boundaries?: Boundary[]
}

/** A piece that carries nothing: not worth passing on. */
export const emptyPiece = (p: SpeechPiece) => p.bytes.byteLength === 0 && p.samples === 0 && !p.boundaries?.length

/**
 * @example
 * const piece = pieceOf(chunk, bytes)
 */
export function pieceOf(chunk: PcmChunk, bytes: Uint8Array): SpeechPiece {
  return {
    bytes,
    samples: chunk.sampleCount ?? chunk.samples.length,
    sampleRate: chunk.sampleRate,
    ...(chunk.boundaries?.length && { boundaries: chunk.boundaries }),
  }
}

/** `meta.layout` of a cached entry: the pieces' sizes and the boundaries, compact. */
interface Layout {
  /** The engine's PCM rate. */
  r: number
  /** Per piece: bytes, samples, how many of the boundaries (in order) arrived with it. */
  p: [number, number, number][]
  /** Boundaries: text offset, text length, sample offset, 1 for a word (0 a sentence). */
  b: [number, number, number, number][]
}

/**
 * The layout of `pieces` for `meta.layout`, or undefined when it does not describe `body`
 * (a container whose finished file is not the concatenation of its pieces).
 *
 * @example
 * entry.meta.layout = layoutOf(pieces, body)
 */
export function layoutOf(pieces: readonly SpeechPiece[], body: Uint8Array): string | undefined {
  let bytes = 0
  const layout: Layout = { r: pieces[0]?.sampleRate ?? 0, p: [], b: [] }
  for (const piece of pieces) {
    bytes += piece.bytes.byteLength
    layout.p.push([piece.bytes.byteLength, piece.samples, piece.boundaries?.length ?? 0])
    for (const b of piece.boundaries ?? []) layout.b.push([b.textOffset, b.textLength, b.sampleOffset, b.kind === 'sentence' ? 0 : 1])
  }
  return bytes === body.byteLength ? JSON.stringify(layout) : undefined
}

/**
 * The pieces a cached entry was made of, with their boundaries; one piece (without
 * boundaries) for an entry stored without a layout. Copy-free: views of the body.
 *
 * @example
 * for (const piece of replay(cached)) send(piece.bytes)
 */
export function replay(cached: CachedAudio): SpeechPiece[] {
  const layout = parseLayout(cached.meta.layout)
  const sampleRate = typeof cached.meta.sampleRate === 'number' ? cached.meta.sampleRate : 0
  if (!layout) return [{ bytes: cached.body, samples: 0, sampleRate }]
  const boundaries: Boundary[] = layout.b.map(([textOffset, textLength, sampleOffset, word]) => ({ textOffset, textLength, sampleOffset, kind: word ? 'word' : 'sentence' }))
  const pieces: SpeechPiece[] = []
  let offset = 0
  let next = 0
  for (const [bytes, samples, count] of layout.p) {
    const own = boundaries.slice(next, next + count)
    pieces.push({ bytes: cached.body.subarray(offset, offset + bytes), samples, sampleRate: layout.r, ...(own.length && { boundaries: own }) })
    offset += bytes
    next += count
  }
  return pieces
}

/** True when the entry carries word timings (what an aligned session or with-timestamps needs). */
export function hasAlignment(cached: CachedAudio): boolean {
  return typeof cached.meta.layout === 'string' && cached.meta.aligned === 1
}

function parseLayout(value: unknown): Layout | undefined {
  if (typeof value !== 'string') return undefined
  try {
    const layout = JSON.parse(value) as Layout
    return Array.isArray(layout.p) && Array.isArray(layout.b) && typeof layout.r === 'number' ? layout : undefined
  } catch {
    return undefined
  }
}
