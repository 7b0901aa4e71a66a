/**
 * Reads one utterance's audio in order as frames while its chunks arrive, with the
 * characters each frame speaks when alignment was asked for. A chunk is read only once the
 * next one (or the end) is there, so its alignment knows where its last word ends.
 */
import { alignChunk } from './alignment.ts'
import type { FrameAudio } from './frame-sender.ts'
import type { Utterance } from './utterance.ts'

/** What the reader needs of an utterance: its text and the audio so far. */
export type UtteranceAudio = Pick<Utterance, 'text' | 'chunks' | 'done'>

/**
 * @example
 * const frames = new UtteranceFrames(utterance, true)
 * for (let frame = frames.next(); frame !== 'end'; frame = frames.next()) {
 *   if (frame === 'wait') await utterance.arrival()
 *   else sender.send(frame, utterance)
 * }
 */
export class UtteranceFrames {
  #index = 0
  #start = 0 // samples of this utterance already read
  #textFrom = 0

  constructor(
    private readonly utterance: UtteranceAudio,
    private readonly alignment: boolean,
  ) {}

  /** Chunks read so far. */
  get read(): number {
    return this.#index
  }

  /** The next frame's audio; 'wait' until the utterance has more, 'end' once all of it is read. */
  next(): FrameAudio | 'wait' | 'end' {
    const unit = this.utterance
    while (true) {
      const chunk = unit.chunks[this.#index]
      const lookahead = unit.chunks[this.#index + 1]
      if (!chunk || (!lookahead && !unit.done)) return !chunk && unit.done ? 'end' : 'wait'
      const index = ++this.#index
      const count = chunk.sampleCount ?? chunk.samples.length
      const bytes = chunk.encoded ?? new Uint8Array(chunk.samples.buffer, chunk.samples.byteOffset, chunk.samples.byteLength)
      const final = unit.done && unit.chunks.slice(index).every((c) => (c.encoded?.byteLength ?? c.samples.byteLength) === 0)
      if (bytes.byteLength === 0) continue
      const frame: FrameAudio = { bytes }
      if (this.alignment) {
        const boundaries = unit.chunks.slice(0, index + 1).flatMap((c) => c.boundaries ?? [])
        const aligned = alignChunk({ text: unit.text, boundaries, sampleRate: chunk.sampleRate, chunkStart: this.#start, chunkEnd: this.#start + count, fromText: this.#textFrom, final })
        frame.alignment = aligned.alignment
        this.#textFrom = aligned.textEnd
      }
      this.#start += count
      return frame
    }
  }
}
