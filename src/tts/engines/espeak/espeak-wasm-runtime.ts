/**
 * espeak-ng's WASM build (npm `espeak-ng`), made callable many times per instance.
 *
 * The package is the Emscripten-built CLI: only `main` is exported, and `main` leaves
 * global state behind (getopt's index, the loaded voice, malloc's heap), so it cannot
 * simply be called twice. Instantiating per call costs 110-180 ms; instead the linear
 * memory is snapshotted once after start-up and written back before every call (~1 ms:
 * the 18 MB of embedded voice data in the middle never changes and is skipped), with the
 * stack pointer reset and any file descriptors a failed call left open closed.
 *
 * Audio and word events: the CLI's own synthesis callback only writes a WAV file and
 * drops espeak's events. The callback is reached through the module's indirect-call
 * table, so at start-up one probe call finds its table slot (the one entry of matching
 * signature that espeak calls with a NULL buffer at the end of synthesis) and the slot is
 * pointed at a JS function instead. That yields PCM blocks and espeak's own word events
 * (text position + sample position) and lets a cancelled job stop mid-sentence. If the
 * probe is inconclusive the runtime falls back to reading the WAV file (no word events).
 */
import createESpeakNg from 'espeak-ng'
import { UnknownVoiceError } from './espeak-voices.ts'
import type { EspeakEvent, SpeakFn } from './espeak-job.ts'
import { tableSlotsWithThreeIntArgs } from './wasm-table.ts'

type Callback = (wav: number, samples: number, events: number) => number

interface Exports {
  memory: WebAssembly.Memory
  __indirect_function_table: WebAssembly.Table
  __main_argc_argv(argc: number, argv: number): number
  stackSave(): number
  stackRestore(sp: number): void
  stackAlloc(size: number): number
  __emscripten_embedded_file_data: WebAssembly.Global | number
}

interface EmscriptenFS {
  streams: Array<{ fd: number } | null | undefined>
  close(stream: unknown): void
  readFile(path: string): Uint8Array
  unlink(path: string): void
}

/** A module importing a JS function of type (i32, i32, i32) -> i32 and exporting it as a wasm function. */
const SHIM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, // type (i32 i32 i32) -> i32
  0x02, 0x07, 0x01, 0x01, 0x65, 0x01, 0x66, 0x00, 0x00, // import "e" "f"
  0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f"
])
const shimModule = new WebAssembly.Module(SHIM)
const asTableFunction = (f: Callback) => (new WebAssembly.Instance(shimModule, { e: { f } }).exports as { f: Function }).f

const OUT = '/tmp/out.wav'
/** wasm32 layout of espeak_EVENT: 6 ints, a 4-byte pointer, an 8-byte union. */
const EVENT_SIZE = 36

/** The module bytes and their compiled form, loaded once per worker. */
export async function loadEspeakWasmModule(): Promise<{ bytes: Uint8Array; module: WebAssembly.Module }> {
  const wasmUrl = new URL('espeak-ng.wasm', import.meta.resolve('espeak-ng'))
  const bytes = new Uint8Array(await Bun.file(wasmUrl).arrayBuffer())
  return { bytes, module: await WebAssembly.compile(bytes) }
}

export class EspeakWasm {
  /** True when the callback hook is in place (PCM blocks + word events). */
  readonly hooked: boolean
  private sink: Callback | undefined

  private constructor(
    private readonly ex: Exports,
    /** Lines the CLI printed to stderr during the current call. */
    private readonly stderr: string[],
    private readonly fs: EmscriptenFS,
    private readonly snapshot: { head: Uint8Array; tail: Uint8Array; tailAt: number; sp: number },
    callbackSlots: number[],
  ) {
    this.hooked = this.installHook(callbackSlots)
  }

  /**
   * Instantiates `module` (no recompilation) and prepares it for repeated calls.
   *
   * @example
   * const { bytes, module } = await loadEspeakWasmModule()
   * const espeak = await EspeakWasm.create(module, bytes)
   * espeak.speak('Hello.', 'en-us+f3', 175, (pcm, events) => false)
   */
  static async create(module: WebAssembly.Module, bytes: Uint8Array): Promise<EspeakWasm> {
    let ex: Exports | undefined
    const stderr: string[] = []
    const emscripten = await createESpeakNg({
      noInitialRun: true,
      print: () => {},
      printErr: (line: string) => stderr.push(line),
      instantiateWasm(imports: WebAssembly.Imports, receive: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) {
        // espeak-ng seeds its noise generator with time(NULL) on every start of the CLI, so the same
        // text sounded different from one second to the next. A fixed clock makes it deterministic:
        // equal requests, equal samples (time is used for nothing else but file timestamps).
        ;(imports.env as Record<string, unknown>).emscripten_date_now = () => 0
        const instance = new WebAssembly.Instance(module, imports)
        ex = instance.exports as unknown as Exports
        receive(instance, module)
        return instance.exports
      },
    })
    if (!ex) throw new Error('espeak-ng WASM did not instantiate')
    const heap = new Uint8Array(ex.memory.buffer)
    const [dataStart, dataEnd] = embeddedDataRange(ex, heap)
    const snapshot = { head: heap.slice(0, dataStart), tail: heap.slice(dataEnd), tailAt: dataEnd, sp: ex.stackSave() }
    return new EspeakWasm(ex, stderr, emscripten.FS as EmscriptenFS, snapshot, tableSlotsWithThreeIntArgs(bytes))
  }

  /** Synthesises `text`; see {@link SpeakFn}. Throws UnknownVoiceError for a voice espeak lacks. */
  readonly speak: SpeakFn = (text, voice, rate, onBlock, ssml, endPause = true) => {
    let stopped = false
    this.sink = (wav, count, eventsPtr) => {
      const memory = this.ex.memory.buffer
      const samples = wav ? new Int16Array(memory, wav, count).slice() : new Int16Array(0)
      stopped = onBlock(samples, readEvents(new DataView(memory), eventsPtr))
      return stopped ? 1 : 0
    }
    try {
      // -m: espeak-ng's SSML mode, as the library's espeakSSML flag; -z: no pause at the end (ENDPAUSE off).
      const rc = this.main(['-w', OUT, '-v', voice, '-s', String(rate), ...(ssml ? ['-m'] : []), ...(endPause ? [] : ['-z']), '--', text])
      if (!this.hooked) this.deliverWavFile(onBlock)
      if (rc !== 0 && !stopped) {
        const message = this.stderr.find((l) => !l.includes('keepRuntimeAlive')) ?? `espeak-ng exited with status ${rc}`
        if (/voice does not exist/i.test(message)) throw new UnknownVoiceError(voice)
        throw new Error(message)
      }
    } finally {
      this.sink = undefined
    }
  }

  /** Runs the CLI's main on a freshly restored memory image. */
  private main(args: string[]): number {
    const { ex, snapshot } = this
    const heap = new Uint8Array(ex.memory.buffer)
    heap.set(snapshot.head, 0)
    heap.set(snapshot.tail, snapshot.tailAt)
    ex.stackRestore(snapshot.sp)
    for (const stream of this.fs.streams) if (stream && stream.fd > 2) this.fs.close(stream)
    this.stderr.length = 0

    const argv = ['espeak-ng', ...args].map((arg) => {
      const bytes = new TextEncoder().encode(`${arg}\0`)
      const at = ex.stackAlloc(bytes.length)
      heap.set(bytes, at)
      return at
    })
    const argvAt = ex.stackAlloc((argv.length + 1) * 4)
    new Uint32Array(ex.memory.buffer, argvAt, argv.length + 1).set([...argv, 0])
    try {
      return ex.__main_argc_argv(argv.length, argvAt)
    } catch (err) {
      // exit() in C surfaces as Emscripten's ExitStatus; anything else is a real fault.
      if (err && typeof err === 'object' && (err as { name?: string }).name === 'ExitStatus') {
        return (err as { status: number }).status
      }
      throw err
    }
  }

  private installHook(candidates: number[]): boolean {
    const table = this.ex.__indirect_function_table
    const originals = candidates.map((slot) => table.get(slot) as Function)
    const endOfSynthesis = new Set<number>()
    candidates.forEach((slot, i) => {
      const original = originals[i]!
      table.set(slot, asTableFunction((a, b, c) => (a === 0 && endOfSynthesis.add(slot), original(a, b, c))))
    })
    try {
      this.main(['-w', OUT, '-v', 'en', 'a'])
    } finally {
      candidates.forEach((slot, i) => table.set(slot, originals[i]))
      this.deliverWavFile(() => false) // just removes the probe's WAV
    }
    if (endOfSynthesis.size !== 1) return false
    const [slot] = endOfSynthesis
    table.set(slot!, asTableFunction((wav, n, events) => this.sink?.(wav, n, events) ?? 0))
    return true
  }

  private deliverWavFile(onBlock: (samples: Int16Array, events: EspeakEvent[]) => boolean): void {
    let wav: Uint8Array
    try {
      wav = this.fs.readFile(OUT)
      this.fs.unlink(OUT)
    } catch {
      return
    }
    const pcm = wav.slice(44, 44 + ((wav.length - 44) & ~1))
    onBlock(new Int16Array(pcm.buffer), [])
  }
}

function readEvents(view: DataView, at: number): EspeakEvent[] {
  const events: EspeakEvent[] = []
  for (let p = at; at !== 0 && p + EVENT_SIZE <= view.byteLength; p += EVENT_SIZE) {
    const type = view.getInt32(p, true)
    if (type === 0) break
    const textPosition = view.getInt32(p + 8, true)
    events.push({ type, textPosition, length: view.getInt32(p + 12, true), sample: view.getInt32(p + 20, true) })
  }
  return events
}

/** [start, end) of the embedded espeak-ng-data files in linear memory (read-only after start-up). */
function embeddedDataRange(ex: Exports, heap: Uint8Array): [number, number] {
  const table = ex.__emscripten_embedded_file_data
  let at = typeof table === 'number' ? table : Number(table.value)
  const words = new Uint32Array(heap.buffer)
  let start = Number.POSITIVE_INFINITY
  let end = 0
  // Entries are {name, length, data} until a zero name pointer.
  while (at > 0 && words[at >> 2]) {
    const length = words[(at >> 2) + 1]!
    const data = words[(at >> 2) + 2]!
    start = Math.min(start, data)
    end = Math.max(end, data + length)
    at += 12
  }
  return end > start ? [start, end] : [heap.length, heap.length]
}
