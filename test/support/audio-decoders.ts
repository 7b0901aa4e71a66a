/**
 * Test support: decode encoder output with real decoders (ffprobe/ffmpeg/sox spawned through Bun)
 * so the tests judge the bytes as players will. Missing tools fail loudly: CI installs them.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AudioEncoder } from '../../src/audio/encoder.ts'
import { concatBytes } from '../../src/audio/bytes.ts'

/**
 * Path of a required command-line tool, or an error explaining how to get it.
 *
 * @example
 * requireTool('ffprobe')
 */
export function requireTool(name: 'ffprobe' | 'ffmpeg' | 'sox'): string {
  const path = Bun.which(name)
  if (!path) {
    throw new Error(
      `${name} is not on PATH: the audio tests decode real output with it. Install it (Debian: apt-get install -y ffmpeg sox).`,
    )
  }
  return path
}

/** Write bytes to a temp file, run `fn` on its path, clean up. */
async function withFile<T>(bytes: Uint8Array, ext: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'tts-audio-'))
  const path = join(dir, `input.${ext}`)
  try {
    await Bun.write(path, bytes)
    return await fn(path)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function run(cmd: string[]): Promise<{ stdout: Uint8Array; stderr: string }> {
  // The child writes to files, not pipes: under load a pipe's read failed now and then with
  // ECONNRESET after the child exited (Bun's pipes are socket pairs), whatever the decoder said.
  const dir = mkdtempSync(join(tmpdir(), 'tts-decoder-'))
  const [out, err] = [join(dir, 'stdout'), join(dir, 'stderr')]
  try {
    const proc = Bun.spawn(cmd, { stdin: 'ignore', stdout: Bun.file(out), stderr: Bun.file(err) })
    const code = await proc.exited
    const stderr = await Bun.file(err).text()
    if (code !== 0) throw new Error(`${cmd.join(' ')} exited ${code}: ${stderr}`)
    return { stdout: await Bun.file(out).bytes(), stderr }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface ProbeResult {
  codecName: string
  sampleRate: number
  channels: number
  bitRate?: number
}

/** ffmpeg input options for headerless formats, e.g. ['-f', 's16le', '-ar', '24000', '-ac', '1']. */
export type RawInput = readonly string[]

/**
 * ffprobe's view of the first audio stream.
 *
 * @example
 * const p = await probe(mp3Bytes, 'mp3') // { codecName: 'mp3', sampleRate: 24000, channels: 1 }
 */
export async function probe(bytes: Uint8Array, ext: string, raw: RawInput = []): Promise<ProbeResult> {
  const ffprobe = requireTool('ffprobe')
  return withFile(bytes, ext, async (path) => {
    const { stdout } = await run([ffprobe, '-v', 'error', ...raw, '-show_streams', '-of', 'json', path])
    const json = JSON.parse(new TextDecoder().decode(stdout)) as { streams?: Record<string, string | number>[] }
    const s = json.streams?.[0]
    if (!s) throw new Error('ffprobe found no stream')
    return {
      codecName: String(s.codec_name),
      sampleRate: Number(s.sample_rate),
      channels: Number(s.channels),
      ...(s.bit_rate === undefined ? {} : { bitRate: Number(s.bit_rate) }),
    }
  })
}

/**
 * Decode to mono s16le at the stream's own rate with ffmpeg, CRC checks on, and return the samples.
 *
 * @example
 * const pcm = await decode(flacBytes, 'flac')
 */
export async function decode(bytes: Uint8Array, ext: string, raw: RawInput = []): Promise<Int16Array> {
  const ffmpeg = requireTool('ffmpeg')
  return withFile(bytes, ext, async (path) => {
    const { stdout } = await run([
      ffmpeg, '-nostdin', '-v', 'error', '-err_detect', 'crccheck+bitstream+explode',
      ...raw, '-i', path, '-f', 's16le', '-ac', '1', '-',
    ])
    return new Int16Array(stdout.buffer, stdout.byteOffset, stdout.byteLength >> 1)
  })
}

/**
 * Number of samples sox reads from a file (sox parses headers independently of ffmpeg).
 *
 * @example
 * await soxSampleCount(wavBytes, 'wav') // 36000
 */
export async function soxSampleCount(bytes: Uint8Array, ext: string): Promise<number> {
  const sox = requireTool('sox')
  return withFile(bytes, ext, async (path) => {
    const { stderr } = await run([sox, path, '-n', 'stat'])
    const m = /Samples read:\s+(\d+)/.exec(stderr)
    if (!m) throw new Error(`sox stat printed no sample count: ${stderr}`)
    return Number(m[1])
  })
}

/**
 * A sine tone, 16-bit mono.
 *
 * @example
 * const a440 = tone(440, 1.5, 22050)
 */
export function tone(freq: number, seconds: number, rate: number, amplitude = 12000): Int16Array {
  const n = Math.round(seconds * rate)
  const out = new Int16Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / rate))
  return out
}

/** Uneven chunk sizes (primes, a 1-sample and an empty chunk) to shake out boundary bugs. */
const CHUNK_PATTERN = [1, 0, 997, 4096, 13, 2203, 7919, 511, 3001]

/**
 * Feed `samples` to an encoder in uneven chunks; returns every byte it produced, concatenated.
 *
 * @example
 * const file = encodeInChunks(await createEncoder(spec, 22050), tone(440, 1.5, 22050))
 */
export function encodeInChunks(encoder: AudioEncoder, samples: Int16Array): Uint8Array {
  const parts: Uint8Array[] = []
  let i = 0
  for (let c = 0; i < samples.length; c++) {
    const size = CHUNK_PATTERN[c % CHUNK_PATTERN.length] as number
    parts.push(encoder.write(samples.subarray(i, i + size)))
    i += size
  }
  parts.push(encoder.end())
  return concatBytes(parts)
}

/**
 * Count sign changes, a robust frequency measure for a clean tone.
 *
 * @example
 * zeroCrossings(tone(440, 1, 8000)) // ~880
 */
export function zeroCrossings(samples: Int16Array, from = 0, to = samples.length): number {
  let count = 0
  let prev = 0
  for (let i = from; i < to; i++) {
    const s = Math.sign(samples[i] as number)
    if (s !== 0) {
      if (prev !== 0 && s !== prev) count++
      prev = s
    }
  }
  return count
}

/** Root mean square of a range. */
export function rms(samples: Int16Array, from = 0, to = samples.length): number {
  let sum = 0
  for (let i = from; i < to; i++) sum += (samples[i] as number) ** 2
  return Math.sqrt(sum / Math.max(1, to - from))
}
