/**
 * AAC-LC in ADTS, streamed (OpenAI `aac`): PCM at the engine's rate in, resampled to the
 * format's rate, cut into 1024-sample frames, and out as ADTS frames as soon as the encoder
 * gives them (the first once one frame, 1024 samples, went in).
 *
 * Priming: FFmpeg's encoder delays its output by one frame (1024 samples, 43 ms at 24 kHz;
 * the first packet, pts -1024, is mostly that delay), and ADTS has no field to tell a decoder
 * to skip it, so players start with 43 ms of silence, as with any ADTS file FFmpeg writes.
 * Dropping that packet would start the audio on time, but the first packet also carries the
 * first half of the overlap for samples 0-1023, and our engines' speech starts loud at once
 * (measured: the first vowel's onset came out 20 ms late and softened); so it is kept, and the
 * decoded length is the input's plus 1024 samples, rounded up to a whole frame (the last one
 * is padded with silence): 43 to 85 ms more than the WAV of the same text.
 */
import { EMPTY_BYTES, concatBytes } from '../bytes.ts'
import type { AudioEncoder } from '../encoder.ts'
import { StreamingResampler } from '../resample.ts'
import { adtsHeader } from './adts.ts'
import { AacFrameEncoder } from './libav-aac.ts'

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
  #started = false

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
    const packets: Uint8Array[] = []
    // With no audio at all, one frame of silence: an empty body is no file a player can open.
    if (this.#filled > 0 || !this.#started) {
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
    const packets: Uint8Array[] = []
    for (let i = 0; i < pcm.length; ) {
      const take = Math.min(size - this.#filled, pcm.length - i)
      for (let k = 0; k < take; k++) this.#pending[this.#filled + k] = pcm[i + k]! / 32768
      this.#filled += take
      i += take
      if (this.#filled === size) packets.push(...this.#send())
    }
    return this.#frames(packets)
  }

  #send(): Uint8Array[] {
    this.aac.frame().set(this.#pending)
    this.#filled = 0
    this.#started = true
    return this.aac.encode()
  }

  #frames(packets: readonly Uint8Array[]): Uint8Array {
    const parts: Uint8Array[] = []
    for (const packet of packets) parts.push(adtsHeader(packet.length, this.sampleRate, 1), packet)
    return parts.length === 0 ? EMPTY_BYTES : concatBytes(parts)
  }
}
