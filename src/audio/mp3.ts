/**
 * MP3 through LAME compiled to WebAssembly (wasm-media-encoders): OpenAI `mp3` and ElevenLabs
 * `mp3_<rate>_<kbps>`, CBR, mono. It replaced lamejs, a pure-JS port of an older LAME: the
 * same frame layout and file size, about three times the speed (6 s of 24 kHz audio: 13 ms
 * against 45 ms; 44.1 kHz at 128 kbps: 24 ms against 63 ms), and mp3 is the default format of
 * both APIs.
 *
 * The module is compiled once per thread; each encoder needs its own instance, created
 * asynchronously (hence `Mp3Encoder.create`). A finished encoder hands its instance back for
 * the next one, so a worker serving jobs one after another instantiates once. In a thread that
 * called `warmMp3()` (the engine workers), starting a stream (LAME's init, about 1.1 ms) happens
 * right after the previous one ended, between jobs, for the same format: the next request with
 * it skips that wait before its first bytes. Elsewhere (the event loop) nothing runs ahead.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { createEncoder as createWasmEncoder, type WasmMediaEncoder } from 'wasm-media-encoders'
import { EMPTY_BYTES } from './bytes.ts'
import type { AudioEncoder } from './encoder.ts'
import { StreamingResampler } from './resample.ts'

/** Sample rates an MPEG-1/2/2.5 layer III stream can carry. */
export const MP3_SAMPLE_RATES: readonly number[] = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]

/** Bitrates LAME takes for CBR. */
const CBR_KBPS = [8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const
type CbrKbps = (typeof CBR_KBPS)[number]

type Lame = WasmMediaEncoder<'audio/mpeg'>

// Instances kept for reuse per thread; beyond this, finished ones are left to the GC.
const MAX_IDLE = 4

interface Stream {
  sampleRate: number
  bitrate: CbrKbps
}

interface IdleLame {
  lame: Lame
  /** The stream this instance has already started (configured, nothing encoded), if any. */
  primed?: string
}

const idle: IdleLame[] = []
let startAhead = false
let compiled: Promise<WebAssembly.Module> | undefined
const streamKey = (s: Stream) => `${s.sampleRate}/${s.bitrate}`
const configure = (lame: Lame, s: Stream) => lame.configure({ channels: 1, sampleRate: s.sampleRate, bitrate: s.bitrate })

function compile(): Promise<WebAssembly.Module> {
  compiled ??= readFile(fileURLToPath(import.meta.resolve('wasm-media-encoders/wasm/mp3'))).then((bytes) => WebAssembly.compile(bytes))
  return compiled
}

/** An instance with `stream` started: a primed one if there is, else any idle one (configured now), else a new one. */
async function takeLame(stream: Stream): Promise<Lame> {
  const key = streamKey(stream)
  const at = idle.findIndex((entry) => entry.primed === key)
  const entry = at >= 0 ? idle.splice(at, 1)[0]! : idle.pop()
  const lame = entry?.lame ?? (await createWasmEncoder('audio/mpeg', await compile()))
  // Starts a fresh stream, whatever the instance encoded before (even a stream left unfinished).
  if (entry?.primed !== key) configure(lame, stream)
  return lame
}

/** Hands an instance back, and starts its next stream (same format) once the current task is done. */
function releaseLame(lame: Lame, stream: Stream): void {
  if (idle.length >= MAX_IDLE) return
  const entry: IdleLame = { lame }
  idle.push(entry)
  if (!startAhead) return
  setImmediate(() => {
    if (!idle.includes(entry)) return // already taken (and configured by its taker)
    configure(lame, stream)
    entry.primed = streamKey(stream)
  })
}

/**
 * Compiles the module and readies one instance with `stream` started (OpenAI's default mp3
 * unless told), so the first request pays for neither; from then on, this thread starts each
 * finished instance's next stream between jobs.
 *
 * @example
 * await warmMp3() // in a worker's setup
 */
export async function warmMp3(stream: Stream = { sampleRate: 24000, bitrate: 64 }): Promise<void> {
  startAhead = true
  if (idle.length === 0) idle.push({ lame: await takeLame(stream), primed: streamKey(stream) })
}

function isCbr(kbps: number): kbps is CbrKbps {
  return (CBR_KBPS as readonly number[]).includes(kbps)
}

/**
 * Streaming CBR MP3. Each `write` returns the frames LAME completed (it holds back about one
 * frame, 1152 samples, so the first bytes appear once that much audio arrived).
 *
 * @example
 * const enc = await Mp3Encoder.create(22050, 44100, 128)
 * send(enc.write(samples)); send(enc.end())
 */
export class Mp3Encoder implements AudioEncoder {
  static async create(inputSampleRate: number, sampleRate: number, bitrateKbps: number): Promise<Mp3Encoder> {
    if (!MP3_SAMPLE_RATES.includes(sampleRate)) throw new RangeError(`mp3 cannot carry ${sampleRate} Hz`)
    if (!isCbr(bitrateKbps)) throw new RangeError(`mp3 has no ${bitrateKbps} kbps constant bitrate`)
    const resampler = new StreamingResampler(inputSampleRate, sampleRate)
    const stream = { sampleRate, bitrate: bitrateKbps }
    return new Mp3Encoder(resampler, await takeLame(stream), stream)
  }

  #lame: Lame | undefined

  private constructor(
    private readonly resampler: StreamingResampler,
    lame: Lame,
    private readonly stream: Stream,
  ) {
    this.#lame = lame
  }

  write(samples: Int16Array): Uint8Array {
    return this.#encode(this.resampler.process(samples))
  }

  end(): Uint8Array {
    const tail = this.#encode(this.resampler.flush())
    const lame = this.#stream()
    const last = lame.finalize().slice()
    this.#lame = undefined
    releaseLame(lame, this.stream)
    if (tail.length === 0) return last
    const out = new Uint8Array(tail.length + last.length)
    out.set(tail)
    out.set(last, tail.length)
    return out
  }

  finalize(whole: Uint8Array): Uint8Array {
    return whole
  }

  /** LAME's output is a view of its own memory, reused by the next call: hand out a copy. */
  #encode(pcm: Int16Array): Uint8Array {
    if (pcm.length === 0) return EMPTY_BYTES
    const floats = new Float32Array(pcm.length)
    for (let i = 0; i < pcm.length; i++) floats[i] = pcm[i]! / 32768
    const bytes = this.#stream().encode([floats])
    return bytes.length === 0 ? EMPTY_BYTES : bytes.slice()
  }

  #stream(): Lame {
    if (!this.#lame) throw new Error('mp3 encoder used after end()')
    return this.#lame
  }
}
