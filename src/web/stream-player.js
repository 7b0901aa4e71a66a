/**
 * Plays a stream of PCM frames (or decoded Opus samples) gap-free through Web Audio, as they arrive.
 *
 * Each frame becomes an AudioBufferSourceNode started exactly when the previous one ends
 * (`nextStart`), on the audio clock rather than timers, so frames join without clicks or
 * gaps however irregularly the network delivers them. A frame that arrives after the
 * queue ran dry (an underrun) starts a short lead-in from now instead of in the past.
 * All sources go through one gain node, so `stop()` can cut every scheduled frame at once.
 */
import { audioOutput, pcmToBuffer } from './audio-output.js'

// Headroom for the first frame and after an underrun: enough for the audio thread to pick
// the source up, small enough not to be heard as latency.
const LEAD_IN_SECONDS = 0.05

export class StreamPlayer {
  /** @param {number} sampleRate of the PCM frames */
  constructor(sampleRate) {
    const { context, input } = audioOutput()
    this.context = context
    this.sampleRate = sampleRate
    this.gain = context.createGain()
    this.gain.connect(input)
    /** @type {Set<AudioBufferSourceNode>} */
    this.sources = new Set()
    this.nextStart = 0
    this.framesScheduled = 0
    this.secondsScheduled = 0
    this.stopped = false
    /** A frame may end mid-sample; the odd byte waits for the next frame. */
    this.carry = new Uint8Array(0)
    /** Called when every scheduled frame has played. */
    this.onDrained = () => {}
  }

  /** @param {Uint8Array} bytes 16-bit little-endian mono PCM */
  push(bytes) {
    if (this.stopped) return false
    let pcm = bytes
    if (this.carry.byteLength) {
      pcm = new Uint8Array(this.carry.byteLength + bytes.byteLength)
      pcm.set(this.carry)
      pcm.set(bytes, this.carry.byteLength)
    }
    const whole = pcm.byteLength & ~1
    this.carry = pcm.slice(whole)
    if (whole === 0) return false

    return this.#schedule(pcmToBuffer(this.context, pcm.subarray(0, whole), this.sampleRate))
  }

  /**
   * @param {Float32Array} samples mono, already decoded (Opus)
   * @param {number} sampleRate
   */
  pushSamples(samples, sampleRate) {
    if (this.stopped || samples.length === 0) return false
    const buffer = this.context.createBuffer(1, samples.length, sampleRate)
    buffer.copyToChannel(samples, 0)
    return this.#schedule(buffer)
  }

  /** @param {AudioBuffer} buffer */
  #schedule(buffer) {
    const source = this.context.createBufferSource()
    source.buffer = buffer
    source.connect(this.gain)
    const startAt = Math.max(this.nextStart, this.context.currentTime + LEAD_IN_SECONDS)
    source.start(startAt)
    this.nextStart = startAt + buffer.duration
    this.sources.add(source)
    source.onended = () => {
      this.sources.delete(source)
      if (this.sources.size === 0 && !this.stopped) this.onDrained()
    }
    this.framesScheduled++
    this.secondsScheduled += buffer.duration
    return true
  }

  /** Seconds of audio scheduled but not yet played. */
  get secondsAhead() {
    return this.sources.size ? Math.max(0, this.nextStart - this.context.currentTime) : 0
  }

  get playing() {
    return this.sources.size
  }

  /** Barge-in: silence now, drop everything scheduled, refuse later frames. */
  stop() {
    if (this.stopped) return
    this.stopped = true
    // Disconnecting first makes the silence immediate even for a source that is mid-start.
    this.gain.disconnect()
    for (const source of this.sources) {
      source.onended = null
      try {
        source.stop()
      } catch {
        // Never started: nothing to stop.
      }
    }
    this.sources.clear()
  }
}
