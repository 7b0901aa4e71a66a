/**
 * FFmpeg's native AAC-LC encoder (libavcodec, LGPL; not FDK) as `@mediabunny/aac-encoder`
 * builds it for WebAssembly, driven directly. The package's own API runs the module in a
 * nested worker that listens on `self`, and Bun delivers a parent's messages to such a worker
 * only on `parentPort` (oven-sh/bun#43459), so it hangs at its first command. We load the same
 * emscripten module (`dist/modules/build/aac.js`) in our engine worker instead and call its
 * exported bridge functions synchronously: no nested worker, no messages.
 *
 * The module is instantiated once per thread (asynchronously, about 80 ms cold). An encoder
 * context cannot be reused after it was drained (FFmpeg's AAC encoder does not support
 * `avcodec_flush_buffers`), so each stream opens its own (0.3-3 ms); in a thread that called
 * `warmAac()`, the next stream's context is opened between jobs, right after one ends.
 */

/** The bridge functions the package's C glue (`src/bridge.c`) exports; contexts and buffers are heap addresses. */
interface AacModule {
  HEAPU8: Uint8Array
  _init_encoder(channels: number, sampleRate: number, bitrate: number): number
  _get_encoder_frame_size(ctx: number): number
  _get_encode_input_ptr(ctx: number, bytes: number): number
  _send_frame(ctx: number, pts: bigint): number
  _receive_packet(ctx: number): number
  _get_encoded_data(ctx: number): number
  _flush_encoder_start(ctx: number): void
  _close_encoder(ctx: number): void
}

let loading: Promise<AacModule> | undefined
let loaded: AacModule | undefined
let openAhead = false
/** One context opened ahead for the last format used (`rate/bitrate`), if any. */
let spare: { key: string; ctx: number } | undefined
let inUse = 0

function load(): Promise<AacModule> {
  loading ??= (async () => {
    // The package exports only its worker-based bundle; the module sits beside it.
    const bundle = import.meta.resolve('@mediabunny/aac-encoder')
    const factory = ((await import(new URL('../modules/build/aac.js', bundle).href)) as { default: () => Promise<AacModule> }).default
    loaded = await factory()
    return loaded
  })()
  return loading
}

/**
 * Encoder contexts opened and not yet closed in this thread: tests check that a cancelled job
 * closes its own (a leak here grows the module's heap for good).
 *
 * @example
 * expect(aacEncodersInUse()).toBe(0)
 */
export function aacEncodersInUse(): number {
  return inUse
}

const keyOf = (sampleRate: number, bitrate: number) => `${sampleRate}/${bitrate}`

/**
 * One AAC-LC stream: mono float PCM at `sampleRate` in, whole frames of `frameSize` samples
 * at a time, raw AAC packets out.
 *
 * @example
 * const aac = await AacFrameEncoder.open(24000, 64)
 * aac.frame().set(pcm.subarray(0, aac.frameSize)); const packets = aac.encode()
 * packets.push(...aac.drain()) // at the end; the context is closed
 */
export class AacFrameEncoder {
  #ctx: number
  #input: number
  #frames = 0

  private constructor(
    private readonly m: AacModule,
    ctx: number,
    readonly frameSize: number,
    private readonly key: string,
  ) {
    this.#ctx = ctx
    this.#input = m._get_encode_input_ptr(ctx, frameSize * 4)
    if (this.#input === 0) throw new Error('AAC encoder could not allocate its input frame')
    inUse++
  }

  static async open(sampleRate: number, bitrateKbps: number): Promise<AacFrameEncoder> {
    const m = loaded ?? (await load())
    const key = keyOf(sampleRate, bitrateKbps)
    const ready = spare?.key === key ? spare.ctx : undefined
    if (ready !== undefined) spare = undefined
    const ctx = ready ?? m._init_encoder(1, sampleRate, bitrateKbps * 1000)
    if (ctx === 0) throw new Error(`AAC encoder refused ${sampleRate} Hz mono at ${bitrateKbps} kbps`)
    return new AacFrameEncoder(m, ctx, m._get_encoder_frame_size(ctx), key)
  }

  /** The next input frame, to fill with `frameSize` samples in [-1, 1]; a fresh view each call (the heap may grow). */
  frame(): Float32Array {
    this.#live()
    return new Float32Array(this.m.HEAPU8.buffer, this.#input, this.frameSize)
  }

  /** Encodes the frame filled through `frame()`; returns the packets that came out (the encoder lags a frame). */
  encode(): Uint8Array[] {
    const rc = this.m._send_frame(this.#live(), BigInt(this.#frames * this.frameSize))
    if (rc < 0) throw new Error(`AAC encode failed (${rc})`)
    this.#frames++
    return this.#receive()
  }

  /** Flushes the encoder's last packets and closes the context. */
  drain(): Uint8Array[] {
    this.m._flush_encoder_start(this.#live())
    const packets = this.#receive()
    this.close()
    return packets
  }

  /** Frees the context (also what a cancelled stream calls), then opens the next one ahead. Idempotent. */
  close(): void {
    if (this.#ctx === 0) return
    this.m._close_encoder(this.#ctx)
    this.#ctx = 0
    inUse--
    if (openAhead) setImmediate(() => openSpare(this.m, this.key))
  }

  #receive(): Uint8Array[] {
    const ctx = this.#live()
    const packets: Uint8Array[] = []
    for (;;) {
      const size = this.m._receive_packet(ctx)
      if (size < 0) throw new Error(`AAC encoder failed (${size})`)
      if (size === 0) return packets
      const at = this.m._get_encoded_data(ctx)
      packets.push(this.m.HEAPU8.slice(at, at + size))
    }
  }

  #live(): number {
    if (this.#ctx === 0) throw new Error('AAC encoder used after it was closed')
    return this.#ctx
  }
}

function openSpare(m: AacModule, key: string): void {
  if (spare?.key === key) return
  if (spare) m._close_encoder(spare.ctx)
  const [rate, bitrate] = key.split('/').map(Number) as [number, number]
  const ctx = m._init_encoder(1, rate, bitrate * 1000)
  spare = ctx === 0 ? undefined : { key, ctx }
}

/**
 * Instantiates the module in this thread, runs one JIT-cold frame through a throwaway stream,
 * and keeps a context open for `stream` (OpenAI `aac`: 24 kHz, 64 kbps), so the first request
 * pays for none of it; from then on, each finished stream opens the next one ahead.
 *
 * @example
 * await warmAac() // in a worker's setup
 */
export async function warmAac(stream: { sampleRate: number; bitrateKbps: number } = { sampleRate: 24000, bitrateKbps: 64 }): Promise<void> {
  const aac = await AacFrameEncoder.open(stream.sampleRate, stream.bitrateKbps)
  aac.frame().fill(0)
  aac.encode()
  aac.drain()
  openAhead = true
  openSpare(await load(), keyOf(stream.sampleRate, stream.bitrateKbps))
}
