/**
 * Buffers text arriving in pieces (an LLM's tokens) and releases it in units worth
 * synthesising: whole sentences as soon as they end, or, with ElevenLabs'
 * `chunk_length_schedule`, whatever has accumulated once it passes the next threshold
 * (cut at a word boundary so no word is split between two syntheses).
 */
import { endsSentence, splitSentences } from './text.ts'

export interface TextBufferOptions {
  /** ElevenLabs' schedule: release at >= schedule[i] chars for the i-th release; the last value repeats. */
  chunkLengthSchedule?: readonly number[]
  /** Upper bound on buffered characters; push() beyond it throws BufferOverflowError. */
  maxChars?: number
  /**
   * The text as the splitter should see it (same length): constructs that must not be cut
   * (a markup tag, a link) replaced by letters, so no sentence end or word break is found in
   * them (markup/construct-mask.ts). Units are still cut from the real text.
   */
  mask?: (text: string) => string
}

export class BufferOverflowError extends Error {
  override readonly name = 'BufferOverflowError'
}

/**
 * @example
 * const buffer = new TextBuffer()
 * buffer.push('Hello wor') // []
 * buffer.push('ld. How')   // ['Hello world.']
 * buffer.flush()           // ['How']
 */
export class TextBuffer {
  #pending = ''
  #released = 0
  readonly #schedule: readonly number[] | undefined
  readonly #maxChars: number
  readonly #mask: (text: string) => string

  constructor(options: TextBufferOptions = {}) {
    this.#schedule = options.chunkLengthSchedule?.length ? options.chunkLengthSchedule : undefined
    this.#maxChars = options.maxChars ?? 100_000
    this.#mask = options.mask ?? ((text) => text)
  }

  /** Characters waiting. */
  get size(): number {
    return this.#pending.length
  }

  /** Adds text; returns the units now complete, in order. */
  push(text: string): string[] {
    if (this.#pending.length + text.length > this.#maxChars) {
      throw new BufferOverflowError(`more than ${this.#maxChars} characters buffered without a flush`)
    }
    this.#pending += text
    return this.#schedule ? this.#releaseBySchedule() : this.#releaseSentences()
  }

  /** Releases everything buffered (a flush, or the end of input). */
  flush(): string[] {
    const rest = this.#pending.trim()
    this.#pending = ''
    if (!rest) return []
    this.#released++
    return [rest]
  }

  /** Releases the complete sentences buffered now, whatever the schedule says (ElevenLabs' try_trigger_generation). */
  takeSentences(): string[] {
    return this.#releaseSentences()
  }

  /** Drops what is buffered (barge-in). */
  clear(): void {
    this.#pending = ''
  }

  #releaseSentences(): string[] {
    const view = this.#mask(this.#pending)
    const sentences = splitSentences(view)
    const closed = endsSentence(view)
    if (sentences.length < 2 && !closed) return []
    // The last piece may still be growing unless the buffer ends right after a sentence end.
    const complete = closed ? sentences : sentences.slice(0, -1)
    const last = complete.at(-1)
    if (!last) return []
    const pending = this.#pending
    this.#pending = pending.slice(last.offset + last.text.length)
    this.#released += complete.length
    return complete.map((s) => pending.slice(s.offset, s.offset + s.text.length))
  }

  #releaseBySchedule(): string[] {
    const schedule = this.#schedule!
    const out: string[] = []
    while (true) {
      const threshold = schedule[Math.min(this.#released, schedule.length - 1)]!
      if (this.#pending.length < threshold) return out
      // Cut after the last whitespace so the trailing, possibly partial, word waits.
      const cut = this.#mask(this.#pending).search(/\s\S*$/)
      if (cut <= 0) return out
      const unit = this.#pending.slice(0, cut).trim()
      this.#pending = this.#pending.slice(cut + 1)
      if (unit) {
        out.push(unit)
        this.#released++
      }
    }
  }
}
