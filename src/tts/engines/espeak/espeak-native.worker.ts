/**
 * Pool worker for the native engine: libespeak-ng in synchronous mode, PCM and word
 * events delivered through the synth callback as espeak produces them. espeak_Synth
 * blocks this thread for the whole sentence, which is why it lives in a worker; the
 * callback runs on this same thread, so it needs no thread-safe trampoline. Each worker
 * loads its own copy of the library, whose global state is not thread-safe.
 */
import { dlopen, JSCallback, ptr, type Pointer } from 'bun:ffi'
import { UnknownVoiceError } from './espeak-voices.ts'
import { serveJobs } from '../../worker-host.ts'
import type { WorkerChunk } from '../../encoding/worker-chunk.ts'
import { warmEncoders } from '../../encoding/worker-encoding.ts'
import { CHUNK_SAMPLES, runEspeakJob, type EspeakEvent, type EspeakRequest, type SpeakFn } from './espeak-job.ts'
import { copySamples, openPrivateEspeakLibrary, readNativeEvents } from './espeak-native-library.ts'

const AUDIO_OUTPUT_SYNCHRONOUS = 2
const INITIALIZE_DONT_EXIT = 0x8000
const RATE = 1
const POS_CHARACTER = 1
const CHARS_UTF8 = 1
const ENDPAUSE = 0x1000
/** espeakSSML: the text is SSML (speak.h). */
const SSML = 0x10
/** Callback block length in ms: small blocks are what make the first chunk early. */
const BUFFER_MS = 50

export interface NativeInit {
  libraryPath: string
}

serveJobs<NativeInit, EspeakRequest, WorkerChunk>(async ({ libraryPath }) => {
  const { symbols } = openPrivateEspeakLibrary(libraryPath)
  const sampleRate = symbols.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, BUFFER_MS, null, INITIALIZE_DONT_EXIT)
  if (sampleRate <= 0) throw new Error(`espeak_Initialize failed (${sampleRate})`)

  let onBlock: ((samples: Int16Array, events: EspeakEvent[]) => boolean) | undefined
  const callback = new JSCallback(
    (wav: Pointer | null, count: number, events: Pointer | null) =>
      onBlock?.(copySamples(wav, count), readNativeEvents(events)) ? 1 : 0,
    { args: ['ptr', 'i32', 'ptr'], returns: 'i32' },
  )
  symbols.espeak_SetSynthCallback(callback.ptr)

  // libespeak-ng 1.51 draws its voicing noise from libc's rand(): seeded per call, a fresh worker says
  // a text the same way every time (state the library keeps between calls still varies later calls).
  const libc = dlopen('libc.so.6', { srand: { args: ['u32'], returns: 'void' } })
  let currentVoice = ''
  const speak: SpeakFn = (text, voice, rate, handler, ssml, endPause = true) => {
    if (voice !== currentVoice) {
      if (symbols.espeak_SetVoiceByName(ptr(cString(voice))) !== 0) {
        currentVoice = ''
        throw new UnknownVoiceError(voice)
      }
      currentVoice = voice
    }
    symbols.espeak_SetParameter(RATE, rate, 0)
    libc.symbols.srand(0)
    const bytes = cString(text)
    onBlock = handler
    try {
      const rc = symbols.espeak_Synth(ptr(bytes), bytes.length, 0, POS_CHARACTER, 0, CHARS_UTF8 | (endPause ? ENDPAUSE : 0) | (ssml ? SSML : 0), null, null)
      if (rc !== 0) throw new Error(`espeak_Synth failed (${rc})`)
    } finally {
      onBlock = undefined
    }
  }
  speak('Warm up.', 'en-us', 175, () => false)
  await warmEncoders()
  return (request, ctx) => runEspeakJob(request, ctx, speak, CHUNK_SAMPLES)
})

function cString(text: string): Uint8Array {
  return new TextEncoder().encode(`${text}\0`)
}
