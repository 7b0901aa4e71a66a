/**
 * Word boundaries an engine measured in what it read (rendered SSML, cleaned text), moved
 * onto the client's own text, so alignment and timestamps index the characters the client
 * sent. Several words the engine read for one written token ("three dollars and fifty cents"
 * for "$3.50") become one boundary spanning the token, timed from its first word; markup the
 * engine read (a tag) stands for no character and gets no boundary.
 */
import type { Boundary } from '../tts/engine.ts'
import type { MappedText } from './source-map.ts'

/**
 * Stateful across the chunks of one synthesis (a token's words may arrive in two chunks).
 *
 * @example
 * const toSource = new SourceBoundaries(rendered)
 * for await (const chunk of engine.synthesize(...)) chunk.boundaries = toSource.map(chunk.boundaries ?? [])
 */
export class SourceBoundaries {
  readonly #last = new Map<string | undefined, { start: number; end: number }>()

  constructor(private readonly rendered: MappedText) {}

  map(boundaries: readonly Boundary[]): Boundary[] {
    const out: Boundary[] = []
    for (const b of boundaries) {
      const span = this.rendered.spanToSource(b.textOffset, b.textOffset + Math.max(1, b.textLength))
      if (span.end === span.start && b.kind === 'word') continue
      const last = this.#last.get(b.kind)
      if (last && last.start === span.start && last.end === span.end) continue
      this.#last.set(b.kind, span)
      out.push({ ...b, textOffset: span.start, textLength: span.end - span.start })
    }
    return out
  }
}
