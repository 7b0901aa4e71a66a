/**
 * Bare Opus packets for our WebSocket protocol: the engine worker's encoder output has to cross
 * the worker boundary as one byte array per chunk, so each packet goes out prefixed with its
 * length (2 bytes, big-endian); the route splits them again and sends one packet per frame.
 */
import { EMPTY_BYTES } from '../bytes.ts'
import type { AudioEncoder } from '../encoder.ts'
import { StreamingResampler } from '../resample.ts'
import { OPUS_RATE } from './libopus.ts'
import { OpusFrames } from './opus-frames.ts'

function framed(packets: readonly Uint8Array[]): Uint8Array {
  if (packets.length === 0) return EMPTY_BYTES
  const out = new Uint8Array(packets.reduce((n, p) => n + 2 + p.length, 0))
  let at = 0
  for (const packet of packets) {
    out[at] = packet.length >> 8
    out[at + 1] = packet.length & 0xff
    out.set(packet, at + 2)
    at += 2 + packet.length
  }
  return out
}

/**
 * The packets in bytes an `OpusPacketStream` produced (views, not copies).
 *
 * @example
 * for (const packet of splitOpusPackets(chunk.encoded)) ws.send(packet)
 */
export function splitOpusPackets(bytes: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = []
  let at = 0
  while (at + 2 <= bytes.length) {
    const length = (bytes[at]! << 8) | bytes[at + 1]!
    packets.push(bytes.subarray(at + 2, at + 2 + length))
    at += 2 + length
  }
  return packets
}

/**
 * @example
 * const enc = new OpusPacketStream(22050, 32)
 * for (const packet of splitOpusPackets(enc.write(samples))) send(packet)
 */
export class OpusPacketStream implements AudioEncoder {
  readonly #resampler: StreamingResampler
  readonly #frames: OpusFrames

  constructor(inputSampleRate: number, bitrateKbps: number) {
    this.#resampler = new StreamingResampler(inputSampleRate, OPUS_RATE)
    this.#frames = new OpusFrames(bitrateKbps)
  }

  write(samples: Int16Array): Uint8Array {
    return framed(this.#frames.push(this.#resampler.process(samples)))
  }

  end(): Uint8Array {
    const last = this.#frames.push(this.#resampler.flush())
    return framed([...last, ...this.#frames.end()])
  }

  finalize(whole: Uint8Array): Uint8Array {
    return whole
  }

  close(): void {
    this.#frames.abandon()
  }
}
