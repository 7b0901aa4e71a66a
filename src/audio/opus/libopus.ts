/**
 * libopus 1.4 (the `opusscript` package's emscripten build) driven directly: its JS wrapper
 * allocates a Buffer per packet and a heap view per call, so we keep one input and one output
 * buffer per thread in the module's heap and call the handler ourselves. The handler's encode
 * takes its input the way that wrapper lays it out: each byte of the s16le PCM in its own 16-bit
 * slot, which it packs into samples in place before calling opus_encode.
 *
 * The module is instantiated once per thread (synchronously, about 20-90 ms); libopus encoder
 * states are reused: a finished stream resets its state (OPUS_RESET_STATE) and goes back to an
 * idle list, so a worker serving jobs one after another creates one state. `warmOpus()` (the
 * engine workers' setup) pays for instantiation and the first, JIT-cold encode up front.
 */
import { createRequire } from 'node:module'
import { OPUS_FRAME_SAMPLES, OPUS_PRE_SKIP, OPUS_RATE } from './opus-constants.ts'

export { OPUS_FRAME_SAMPLES, OPUS_RATE } from './opus-constants.ts'

const MAX_PACKET_BYTES = 1276 * 3

const APPLICATION_AUDIO = 2049
const SET_BITRATE = 4002
const SET_VBR = 4006
const SET_COMPLEXITY = 4010
const GET_LOOKAHEAD = 4027
const RESET_STATE = 4028
const SET_SIGNAL = 4024
const SIGNAL_VOICE = 3001
/**
 * Complexity 10 (libopus' default) measured about 20x real time at 32-64 kbps on one lightly
 * loaded core here, 5 about 55-60x: the analysis it skips matters for music, little for speech.
 */
const COMPLEXITY = 5

interface Handler {
  _encode(input: number, bytes: number, output: number, frameSize: number): number
  _encoder_ctl(ctl: number, arg: number): number
}

interface OpusModule {
  HEAPU16: Uint16Array
  HEAPU8: Uint8Array
  HEAP32: Int32Array
  _malloc(bytes: number): number
  OpusScriptHandler: { new (rate: number, channels: number, application: number): Handler; destroy_handler(h: Handler): void }
}

interface Runtime {
  module: OpusModule
  input: number
  output: number
  lookahead: number
}

let runtime: Runtime | undefined
const idle: Handler[] = []
const MAX_IDLE = 4
let inUse = 0

/**
 * Encoder states taken and not yet released in this thread: tests check that a cancelled job
 * gives its state back (a leak here grows the shared WASM heap for good).
 *
 * @example
 * expect(opusEncodersInUse()).toBe(0)
 */
export function opusEncodersInUse(): number {
  return inUse
}

function load(): Runtime {
  if (runtime) return runtime
  const require = createRequire(import.meta.url)
  const factory = require('opusscript/build/opusscript_native_wasm.js') as () => OpusModule
  const module = factory()
  // Two 16-bit slots per sample (one per byte): see the header.
  const input = module._malloc(OPUS_FRAME_SAMPLES * 4)
  const output = module._malloc(MAX_PACKET_BYTES)
  const probe = new module.OpusScriptHandler(OPUS_RATE, 1, APPLICATION_AUDIO)
  const slot = module._malloc(4)
  check(probe._encoder_ctl(GET_LOOKAHEAD, slot), 'OPUS_GET_LOOKAHEAD')
  const lookahead = module.HEAP32[slot >> 2]!
  // Muxers on other threads write this pre-skip without asking the encoder: fail loudly if a
  // different libopus build ever disagrees.
  if (lookahead !== OPUS_PRE_SKIP) throw new Error(`libopus lookahead is ${lookahead}, not the expected ${OPUS_PRE_SKIP}`)
  idle.push(probe)
  runtime = { module, input, output, lookahead }
  return runtime
}

function check(rc: number, what: string): number {
  if (rc < 0) throw new Error(`libopus ${what} failed (${rc})`)
  return rc
}

/**
 * One Opus stream: 48 kHz mono PCM in, 20 ms packets out, constant bitrate (so a file's size,
 * and what ffprobe reports, match the bitrate the format names).
 *
 * @example
 * const opus = OpusPacketEncoder.take(64)
 * const packets = opus.encodeFrame(pcm48k.subarray(0, 960))
 * opus.release()
 */
export class OpusPacketEncoder {
  /** Samples at 48 kHz the decoder must drop from the start (the encoder's lookahead), for OpusHead. */
  readonly preSkip: number
  #handler: Handler | undefined
  readonly #rt: Runtime

  private constructor(rt: Runtime, handler: Handler) {
    this.#rt = rt
    this.#handler = handler
    this.preSkip = rt.lookahead
  }

  /** A reset encoder state from this thread's idle list (or a new one) at `bitrateKbps`. */
  static take(bitrateKbps: number): OpusPacketEncoder {
    if (!Number.isInteger(bitrateKbps) || bitrateKbps < 6 || bitrateKbps > 510) throw new RangeError(`opus has no ${bitrateKbps} kbps`)
    const rt = load()
    const handler = idle.pop() ?? new rt.module.OpusScriptHandler(OPUS_RATE, 1, APPLICATION_AUDIO)
    check(handler._encoder_ctl(RESET_STATE, 0), 'OPUS_RESET_STATE')
    check(handler._encoder_ctl(SET_BITRATE, bitrateKbps * 1000), 'OPUS_SET_BITRATE')
    check(handler._encoder_ctl(SET_VBR, 0), 'OPUS_SET_VBR')
    check(handler._encoder_ctl(SET_COMPLEXITY, COMPLEXITY), 'OPUS_SET_COMPLEXITY')
    check(handler._encoder_ctl(SET_SIGNAL, SIGNAL_VOICE), 'OPUS_SET_SIGNAL')
    inUse++
    return new OpusPacketEncoder(rt, handler)
  }

  /** Encodes exactly one 20 ms frame (960 samples at 48 kHz); returns a fresh packet. */
  encodeFrame(frame: Int16Array): Uint8Array {
    if (frame.length !== OPUS_FRAME_SAMPLES) throw new RangeError(`an opus frame is ${OPUS_FRAME_SAMPLES} samples, not ${frame.length}`)
    const handler = this.#handler
    if (!handler) throw new Error('opus encoder used after release()')
    const { module, input, output } = this.#rt
    // Views are taken per call: the heap's buffer changes if the module's memory grows.
    const slots = module.HEAPU16
    const base = input >> 1
    for (let i = 0; i < OPUS_FRAME_SAMPLES; i++) {
      const sample = frame[i]!
      slots[base + 2 * i] = sample & 0xff
      slots[base + 2 * i + 1] = (sample >> 8) & 0xff
    }
    // `bytes` is how many samples it packs: exactly one frame's worth.
    const length = check(handler._encode(input, OPUS_FRAME_SAMPLES, output, OPUS_FRAME_SAMPLES), 'opus_encode')
    return module.HEAPU8.slice(output, output + length)
  }

  /** Hands the state back for the next stream in this thread. Idempotent. */
  release(): void {
    const handler = this.#handler
    this.#handler = undefined
    if (!handler) return
    inUse--
    if (idle.length < MAX_IDLE) idle.push(handler)
    else this.#rt.module.OpusScriptHandler.destroy_handler(handler)
  }
}

/**
 * Instantiates libopus in this thread and runs one encode, so the first request pays for
 * neither (the engine workers call it at start, as they do `warmMp3`).
 *
 * @example
 * await warmOpus()
 */
export async function warmOpus(): Promise<void> {
  const opus = OpusPacketEncoder.take(32)
  opus.encodeFrame(new Int16Array(OPUS_FRAME_SAMPLES))
  opus.release()
}
