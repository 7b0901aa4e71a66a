/**
 * Decodes the bare Opus packets `/v1/stream` sends with `format: "opus"` (one 20 ms packet
 * per frame, 48 kHz mono) through WebCodecs' AudioDecoder, in order, to Float32 samples.
 * Where WebCodecs cannot decode Opus, the page streams PCM instead (and Speak still plays
 * Opus: the browser's own decoder reads Ogg Opus files).
 */

const CONFIG = { codec: 'opus', sampleRate: 48000, numberOfChannels: 1 }
const PACKET_MICROSECONDS = 20_000

/** True when this browser can decode Opus packets with WebCodecs. */
export async function opusPacketsSupported() {
  if (typeof AudioDecoder === 'undefined') return false
  try {
    return (await AudioDecoder.isConfigSupported(CONFIG)).supported === true
  } catch {
    return false
  }
}

export class OpusPacketDecoder {
  /**
   * @param {(samples: Float32Array, sampleRate: number) => void} onSamples  decoded audio, in order
   * @param {(message: string) => void} onError
   */
  constructor(onSamples, onError) {
    this.timestamp = 0
    this.decoder = new AudioDecoder({
      output: (data) => {
        const samples = new Float32Array(data.numberOfFrames)
        data.copyTo(samples, { planeIndex: 0, format: 'f32-planar' })
        const rate = data.sampleRate
        data.close()
        onSamples(samples, rate)
      },
      error: (err) => onError(`This browser could not decode the Opus stream: ${err.message}`),
    })
    this.decoder.configure(CONFIG)
  }

  /** @param {Uint8Array} packet one Opus packet (a frame without its 4-byte sequence number) */
  push(packet) {
    if (this.decoder.state !== 'configured') return
    this.decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: this.timestamp, data: packet }))
    this.timestamp += PACKET_MICROSECONDS
  }

  /** Resolves once every packet pushed so far has come out as samples. */
  async flush() {
    if (this.decoder.state === 'configured') await this.decoder.flush()
  }

  close() {
    if (this.decoder.state !== 'closed') this.decoder.close()
  }
}
