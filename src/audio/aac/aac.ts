/**
 * AAC-LC in ADTS, streamed (OpenAI `aac`): PCM at the engine's rate in, resampled to the
 * format's rate, cut into 1024-sample frames, and out as ADTS frames as soon as the encoder
 * gives them (it lags one frame, so the first bytes leave once about 85 ms of audio went in).
 *
 * Priming: FFmpeg's encoder starts with one frame of delay (the packet at pts -1024), which
 * ADTS has no field to tell a decoder to skip, so a decoder would play it as 43 ms of silence
 * before the speech and the file would run long by that much. That packet holds no input
 * (its window's first half is the encoder's zero history, its second half the first 1024
 * samples, which the next packet covers too), so it is dropped: the decoded audio starts
 * aligned with the input. The decoder then lacks the overlap for the first frame's first half,
 * which only matters if the audio does not start in silence; speech from our engines does.
 * The last frame is padded with silence: a decoder plays at most 1023 samples (43 ms) more.
 */
import { EMPTY_BYTES, concatBytes } from '../bytes.ts'
import type { AudioEncoder } from '../encoder.ts'
import { StreamingResampler } from '../resample.ts'
import { adtsHeader } from './adts.ts'
import { AacFrameEncoder, type AacPacket } from './libav-aac.ts'

/**
 * @example
 * const enc = await AacEncoder.create(22050, 24000, 64)
 * send(enc.write(samples)) // whole ADTS frames, possibly none yet
 * send(enc.end())          // the rest
 */
export class AacEncoder implements AudioEncoder {
  static async create(inputSampleRate: number, sampleRate: number, bitrateKbps: number): Promise<AacEncoder> {
    // Checked before a context is opened, so a bad spec leaks nothing.
    adtsHeader(0, sampleRate, 1)
    const resampler = new StreamingResampler(inputSampleRate, sampleRate)
    return new AacEncoder(resampler, await AacFrameEncoder.open(sampleRate, bitrateKbps), sampleRate)
  }

  /** Samples of the frame being filled, carried between writes. */
  readonly #pending: Float32Array
  #filled = 0

  private constructor(
    private readonly resampler: StreamingResampler,
    private readonly aac: AacFrameEncoder,
    private readonly sampleRate: number,
  ) {
    this.#pending = new Float32Array(aac.frameSize)
  }

  write(samples: Int16Array): Uint8Array {
    return this.#encode(this.resampler.process(samples))
  }

  end(): Uint8Array {
    const tail = this.#encode(this.resampler.flush())
    const packets: AacPacket[] = []
    if (this.#filled > 0) {
      this.#pending.fill(0, this.#filled)
      packets.push(...this.#send())
    }
    packets.push(...this.aac.drain())
    return concatBytes([tail, this.#frames(packets)])
  }

  finalize(whole: Uint8Array): Uint8Array {
    return whole
  }

  close(): void {
    this.aac.close()
  }

  #encode(pcm: Int16Array): Uint8Array {
    const size = this.#pending.length
    const packets: AacPacket[] = []
    for (let i = 0; i < pcm.length; ) {
      const take = Math.min(size - this.#filled, pcm.length - i)
      for (let k = 0; k < take; k++) this.#pending[this.#filled + k] = pcm[i + k]! / 32768
      this.#filled += take
      i += take
      if (this.#filled === size) packets.push(...this.#send())
    }
    return this.#frames(packets)
  }

  #send(): AacPacket[] {
    this.aac.frame().set(this.#pending)
    this.#filled = 0
    return this.aac.encode()
  }

  /** ADTS frames of the packets that carry input (the priming packet has a negative pts). */
  #frames(packets: readonly AacPacket[]): Uint8Array {
    const parts: Uint8Array[] = []
    for (const packet of packets) {
      if (packet.pts < 0) continue
      parts.push(adtsHeader(packet.data.length, this.sampleRate, 1), packet.data)
    }
    return parts.length === 0 ? EMPTY_BYTES : concatBytes(parts)
  }
}
