/**
 * Where each character of a derived text came from in the client's original text.
 *
 * Markup is parsed away, dictionary aliases and clean-up replace words, and yet alignment
 * (timestamps) must index the characters the client sent. Every transformation therefore
 * builds its output with a {@link MappedText}: runs copied verbatim map character for
 * character, replaced runs map as a whole to the span they replaced.
 */

/** A half-open range of offsets (UTF-16 code units) in the original text. */
export interface Span {
  start: number
  end: number
}

interface Run {
  /** Offset in the derived text. */
  at: number
  length: number
  src: number
  srcLength: number
  /** Copied verbatim: character i maps to src + i. Otherwise the run maps to its whole span. */
  exact: boolean
}

/**
 * A derived text and its map to the original. Immutable once built.
 *
 * @example
 * const b = new MappedTextBuilder()
 * b.copy('Hello ', 0)
 * b.replace('three dollars', { start: 6, end: 11 }) // "$3.00" was at 6..11
 * const t = b.build()
 * t.toSource(8) // { start: 6, end: 11 }
 */
export class MappedText {
  constructor(
    readonly text: string,
    private readonly runs: readonly Run[],
  ) {}

  /** The original span that character `offset` of `text` stands for. */
  toSource(offset: number): Span {
    const run = this.#runAt(offset)
    if (!run) return this.#edge(offset)
    if (!run.exact) return { start: run.src, end: run.src + run.srcLength }
    const at = run.src + (offset - run.at)
    return { start: at, end: at + 1 }
  }

  /** The original span covering `[start, end)` of `text` (empty ranges give an empty span). */
  spanToSource(start: number, end: number): Span {
    if (end <= start) {
      const at = this.toSource(start).start
      return { start: at, end: at }
    }
    return { start: this.toSource(start).start, end: this.toSource(end - 1).end }
  }

  /** The runs, for composing maps (see {@link MappedTextBuilder.copyMapped}). */
  get pieces(): readonly Run[] {
    return this.runs
  }

  #runAt(offset: number): Run | undefined {
    let lo = 0
    let hi = this.runs.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const run = this.runs[mid]!
      if (offset < run.at) hi = mid - 1
      else if (offset >= run.at + Math.max(run.length, 1)) lo = mid + 1
      else return run
    }
    return undefined
  }

  // Past the end (or in a gap): the end of the last run before it.
  #edge(offset: number): Span {
    let last: Run | undefined
    for (const run of this.runs) if (run.at <= offset) last = run
    const at = last ? last.src + last.srcLength : 0
    return { start: at, end: at }
  }
}

/**
 * Builds a {@link MappedText} piece by piece.
 *
 * @example
 * const b = new MappedTextBuilder()
 * b.copy('abc', 10)       // 'abc' was at 10..13 of the original
 * b.insert(' ')           // nothing in the original
 * b.build().text          // 'abc '
 */
export class MappedTextBuilder {
  #text = ''
  readonly #runs: Run[] = []
  // Where inserted text (with no source of its own) is anchored: the end of the last run.
  #srcEnd = 0

  get length(): number {
    return this.#text.length
  }

  get text(): string {
    return this.#text
  }

  /** Appends `text`, which was at `src` in the original character for character. */
  copy(text: string, src: number): this {
    if (!text) return this
    this.#push({ at: this.#text.length, length: text.length, src, srcLength: text.length, exact: true }, text)
    return this
  }

  /** Appends `text`, which stands for the whole original `span`. */
  replace(text: string, span: Span): this {
    if (!text) {
      this.#srcEnd = Math.max(this.#srcEnd, span.end)
      return this
    }
    this.#push({ at: this.#text.length, length: text.length, src: span.start, srcLength: span.end - span.start, exact: false }, text)
    return this
  }

  /** Appends text that has no source (a separator), anchored where the last piece ended. */
  insert(text: string): this {
    return this.replace(text, { start: this.#srcEnd, end: this.#srcEnd })
  }

  /** Appends `[from, to)` of an already mapped text, keeping its map to the original. */
  copyMapped(source: MappedText, from = 0, to = source.text.length): this {
    for (const run of source.pieces) {
      const lo = Math.max(from, run.at)
      const hi = Math.min(to, run.at + run.length)
      if (hi <= lo) continue
      const text = source.text.slice(lo, hi)
      if (run.exact) this.copy(text, run.src + (lo - run.at))
      else this.replace(text, { start: run.src, end: run.src + run.srcLength })
    }
    return this
  }

  /** Appends `text` standing for `[from, to)` of a mapped text (a replacement of part of it). */
  replaceMapped(text: string, source: MappedText, from: number, to: number): this {
    return this.replace(text, source.spanToSource(from, to))
  }

  build(): MappedText {
    return new MappedText(this.#text, this.#runs.slice())
  }

  #push(run: Run, text: string): void {
    const last = this.#runs.at(-1)
    // Adjacent verbatim runs merge, so a long untouched text stays one run.
    if (last && last.exact && run.exact && last.at + last.length === run.at && last.src + last.srcLength === run.src) {
      last.length += run.length
      last.srcLength += run.srcLength
    } else {
      this.#runs.push(run)
    }
    this.#text += text
    this.#srcEnd = Math.max(this.#srcEnd, run.src + run.srcLength)
  }
}

/** One replacement of `[start, end)` of a text. */
export interface Edit {
  start: number
  end: number
  replacement: string
}

/**
 * Applies non-overlapping `edits` (any order) to a mapped text: what they replace maps to
 * the original span it stood for, the rest keeps its own map. Overlapping edits after the
 * first are dropped.
 *
 * @example
 * applyEdits(identityText('**Hi**'), [{ start: 0, end: 2, replacement: '' }, { start: 4, end: 6, replacement: '' }]).text // 'Hi'
 */
export function applyEdits(source: MappedText, edits: readonly Edit[]): MappedText {
  if (edits.length === 0) return source
  const out = new MappedTextBuilder()
  let at = 0
  for (const edit of edits.toSorted((a, b) => a.start - b.start || a.end - b.end)) {
    if (edit.start < at) continue
    out.copyMapped(source, at, edit.start)
    if (edit.replacement) out.replaceMapped(edit.replacement, source, edit.start, edit.end)
    else out.replace('', source.spanToSource(edit.start, edit.end))
    at = edit.end
  }
  out.copyMapped(source, at)
  return out.build()
}

/**
 * A text that is its own original (no transformation yet), starting at `offset`.
 *
 * @example
 * identityText('Hello').toSource(1) // { start: 1, end: 2 }
 */
export function identityText(text: string, offset = 0): MappedText {
  return new MappedTextBuilder().copy(text, offset).build()
}
