/**
 * Finding and binding libespeak-ng (Debian `libespeak-ng1`) through bun:ffi.
 * Opening the library is cheap, so availability is decided by actually opening it.
 */
import { dlopen, read, toArrayBuffer, type Pointer } from 'bun:ffi'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EspeakEvent } from './espeak-job.ts'

/** Where distributions put the library; `ESPEAK_NG_LIBRARY` overrides the search. */
const CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/libespeak-ng.so.1',
  '/usr/lib/aarch64-linux-gnu/libespeak-ng.so.1',
  '/usr/lib64/libespeak-ng.so.1',
  '/usr/lib/libespeak-ng.so.1',
  '/usr/local/lib/libespeak-ng.so.1',
  '/opt/homebrew/lib/libespeak-ng.dylib',
  'libespeak-ng.so.1',
]

const SYMBOLS = {
  espeak_Initialize: { args: ['i32', 'i32', 'ptr', 'i32'], returns: 'i32' },
  espeak_SetSynthCallback: { args: ['function'], returns: 'void' },
  espeak_SetVoiceByName: { args: ['ptr'], returns: 'i32' },
  espeak_SetParameter: { args: ['i32', 'i32', 'i32'], returns: 'i32' },
  espeak_Synth: { args: ['ptr', 'usize', 'u32', 'i32', 'u32', 'u32', 'ptr', 'ptr'], returns: 'i32' },
} as const

export type EspeakLibrary = ReturnType<typeof dlopen<typeof SYMBOLS>>

let found: string | null | undefined

/**
 * The path of a loadable libespeak-ng, or null when there is none.
 *
 * @example
 * if (findEspeakLibrary()) console.log('native espeak-ng available')
 */
export function findEspeakLibrary(): string | null {
  if (found !== undefined) return found
  found = null
  const override = process.env.ESPEAK_NG_LIBRARY
  for (const path of override ? [override] : CANDIDATES) {
    try {
      dlopen(path, { espeak_Info: { args: ['ptr'], returns: 'ptr' } }).close()
      found = path
      break
    } catch {
      // not here: try the next place
    }
  }
  return found
}

/**
 * Opens a private copy of the library. libespeak-ng keeps all its state in globals and
 * is not thread-safe, and dlopen of one path returns one shared instance per process,
 * so workers sharing it would corrupt each other (seen: voices failing to load). Each
 * worker therefore maps its own copy; the file is removed once mapped.
 *
 * @example
 * const { symbols } = openPrivateEspeakLibrary(findEspeakLibrary()!)
 */
export function openPrivateEspeakLibrary(path: string): EspeakLibrary {
  const dir = mkdtempSync(join(tmpdir(), 'tts-edge-espeak-'))
  const copy = join(dir, 'libespeak-ng.so')
  try {
    copyFileSync(path, copy)
    return dlopen(copy, SYMBOLS)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** x86-64/arm64 layout of espeak_EVENT: 6 ints, an 8-byte pointer, an 8-byte union. */
const EVENT_SIZE = 40
const MAX_EVENTS = 1024

export function readNativeEvents(at: Pointer | null): EspeakEvent[] {
  const events: EspeakEvent[] = []
  if (!at) return events
  for (let i = 0, p = 0; i < MAX_EVENTS; i++, p += EVENT_SIZE) {
    const type = read.i32(at, p)
    if (type === 0) break
    events.push({ type, textPosition: read.i32(at, p + 8), length: read.i32(at, p + 12), sample: read.i32(at, p + 20) })
  }
  return events
}

/** Copies `count` samples out of espeak's buffer (it is reused after the callback returns). */
export function copySamples(wav: Pointer | null, count: number): Int16Array {
  if (!wav || count <= 0) return new Int16Array(0)
  return new Int16Array(toArrayBuffer(wav, 0, count * 2).slice(0))
}
