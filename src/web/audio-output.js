/**
 * The page's one AudioContext and the helpers that turn bytes into AudioBuffers.
 *
 * The context is created on first use, inside a click or key handler: browsers keep audio
 * suspended until the user has interacted with the page. Everything plays through one
 * analyser, so the page (and its browser tests) can tell whether sound is coming out.
 */

/** @type {{ context: AudioContext, input: AudioNode, analyser: AnalyserNode } | undefined} */
let output

export function audioOutput() {
  if (!output) {
    const context = new AudioContext()
    const analyser = context.createAnalyser()
    analyser.fftSize = 2048
    analyser.connect(context.destination)
    output = { context, input: analyser, analyser }
  }
  if (output.context.state === 'suspended') void output.context.resume()
  return output
}

/** Largest absolute sample leaving the page over the analyser's last window (0 when silent). */
export function outputPeak() {
  if (!output) return 0
  const samples = new Float32Array(output.analyser.fftSize)
  output.analyser.getFloatTimeDomainData(samples)
  let peak = 0
  for (const s of samples) peak = Math.max(peak, Math.abs(s))
  return peak
}

/**
 * 16-bit little-endian mono PCM to an AudioBuffer at its own rate (Web Audio resamples
 * to the device when it plays).
 * @param {AudioContext} context
 * @param {Uint8Array} bytes whole samples only
 * @param {number} sampleRate
 */
export function pcmToBuffer(context, bytes, sampleRate) {
  const count = bytes.byteLength >> 1
  const buffer = context.createBuffer(1, count, sampleRate)
  const channel = buffer.getChannelData(0)
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2)
  for (let i = 0; i < count; i++) channel[i] = view.getInt16(i * 2, true) / 32768
  return buffer
}

/**
 * A speech response as an AudioBuffer: raw PCM by hand (it has no header to sniff),
 * everything else by the browser's decoder.
 * @param {ArrayBuffer} bytes
 * @param {string} format the response_format that was asked for
 */
export async function decodeSpeech(bytes, format) {
  const { context } = audioOutput()
  if (format === 'pcm') return pcmToBuffer(context, new Uint8Array(bytes), 24000)
  try {
    return await context.decodeAudioData(bytes)
  } catch {
    throw new Error(`This browser could not decode the ${format.toUpperCase()} audio the service sent. Try another format.`)
  }
}

/**
 * Plays one buffer now; `stop()` silences it at once, `ended` resolves either way.
 * @param {AudioBuffer} buffer
 */
export function playBuffer(buffer) {
  const { context, input } = audioOutput()
  const source = context.createBufferSource()
  source.buffer = buffer
  source.connect(input)
  const ended = new Promise((resolve) => (source.onended = () => resolve(undefined)))
  source.start()
  return {
    ended,
    stop() {
      try {
        source.stop()
      } catch {
        // Already stopped: nothing to silence.
      }
      source.disconnect()
    },
  }
}
