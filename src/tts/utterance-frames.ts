/**
 * Reads one utterance's audio in order as frames while its pieces arrive, with the
 * characters each frame speaks when alignment was asked for. A piece is read only once the
 * next one (or the end) is there, so its alignment knows where its last word ends.
 */
import { alignChunk, type CharAlignment } from './alignment.ts'
import type { FrameAudio } from './frame-sender.ts'
import type { SpeechPiece } from './speech-piece.ts'

/** What the reader needs of an utterance: its text and the audio so far. */
export interface UtteranceAudio {
  readonly text: string
  readonly pieces: readonly SpeechPiece[]
  readonly done: boolean
}

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
  #lead: string

  /**
   * `lead` is the whitespace that parted this utterance from the one before it in the
   * client's text: the sentence splitter drops it, and clients that join `chars` into words
   * (captions, word timings) would otherwise read "dusk.Lights" as one word. It goes first in
   * the first aligned frame and takes no time, as ElevenLabs' own chunks begin with a space.
   */
  constructor(
    private readonly utterance: UtteranceAudio,
    private readonly alignment: boolean,
    lead = '',
  ) {
    this.#lead = lead
  }

  /** Pieces read so far. */
  get read(): number {
    return this.#index
  }

  /** The next frame's audio; 'wait' until the utterance has more, 'end' once all of it is read. */
  next(): FrameAudio | 'wait' | 'end' {
    const unit = this.utterance
    while (true) {
      const piece = unit.pieces[this.#index]
      const lookahead = unit.pieces[this.#index + 1]
      if (!piece || (!lookahead && !unit.done)) return !piece && unit.done ? 'end' : 'wait'
      const index = ++this.#index
      const count = piece.samples
      const bytes = piece.bytes
      const final = unit.done && unit.pieces.slice(index).every((p) => p.bytes.byteLength === 0)
      if (bytes.byteLength === 0) continue
      const frame: FrameAudio = { bytes }
      if (this.alignment) {
        const boundaries = unit.pieces.slice(0, index + 1).flatMap((p) => p.boundaries ?? [])
        const aligned = alignChunk({ text: unit.text, boundaries, sampleRate: piece.sampleRate, chunkStart: this.#start, chunkEnd: this.#start + count, fromText: this.#textFrom, final })
        frame.alignment = this.#lead ? withLead(aligned.alignment, this.#lead) : aligned.alignment
        this.#lead = ''
        this.#textFrom = aligned.textEnd
      }
      this.#start += count
      return frame
    }
  }
}

function withLead(alignment: CharAlignment, lead: string): CharAlignment {
  const at = alignment.charStartTimesMs[0] ?? 0
  const chars = [...lead]
  return {
    chars: [...chars, ...alignment.chars],
    charStartTimesMs: [...chars.map(() => at), ...alignment.charStartTimesMs],
    charDurationsMs: [...chars.map(() => 0), ...alignment.charDurationsMs],
  }
}
