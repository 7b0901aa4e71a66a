/**
 * Cuts 48 kHz PCM into 20 ms frames and encodes each: the part of Opus every container shares.
 * At the end, the last frame is padded with silence, plus enough to push the encoder's
 * lookahead out, so a decoder that drops `preSkip` samples still gets every input sample.
 */
import { OPUS_FRAME_SAMPLES, OpusPacketEncoder } from './libopus.ts'

/**
 * @example
 * const frames = new OpusFrames(64)
 * for (const packet of frames.push(pcm48k)) send(packet)
 * for (const packet of frames.end()) send(packet)
 */
export class OpusFrames {
  readonly #opus: OpusPacketEncoder
  readonly #pending = new Int16Array(OPUS_FRAME_SAMPLES)
  #filled = 0
  /** Input samples (48 kHz) taken so far. */
  samplesIn = 0
  /** Packets produced so far (each OPUS_FRAME_SAMPLES long). */
  packetsOut = 0

  constructor(bitrateKbps: number) {
    this.#opus = OpusPacketEncoder.take(bitrateKbps)
  }

  get preSkip(): number {
    return this.#opus.preSkip
  }

  /** Packets for every frame `pcm` completes. */
  push(pcm: Int16Array): Uint8Array[] {
    this.samplesIn += pcm.length
    const packets: Uint8Array[] = []
    let at = 0
    while (at < pcm.length) {
      const take = Math.min(OPUS_FRAME_SAMPLES - this.#filled, pcm.length - at)
      this.#pending.set(pcm.subarray(at, at + take), this.#filled)
      this.#filled += take
      at += take
      if (this.#filled === OPUS_FRAME_SAMPLES) packets.push(this.#encode())
    }
    return packets
  }

  /** The remaining packets (silence-padded past the lookahead); releases the encoder. */
  end(): Uint8Array[] {
    const packets: Uint8Array[] = []
    // At least one: the end-of-stream page must carry a packet whose granule marks the end.
    const needed = Math.max(this.packetsOut + 1, Math.ceil((this.samplesIn + this.preSkip) / OPUS_FRAME_SAMPLES))
    try {
      while (this.packetsOut < needed) {
        this.#pending.fill(0, this.#filled)
        this.#filled = OPUS_FRAME_SAMPLES
        packets.push(this.#encode())
      }
    } finally {
      this.#opus.release()
    }
    return packets
  }

  /** Releases the encoder without finishing (the client went away). */
  abandon(): void {
    this.#opus.release()
  }

  #encode(): Uint8Array {
    this.#filled = 0
    this.packetsOut++
    return this.#opus.encodeFrame(this.#pending)
  }
}
