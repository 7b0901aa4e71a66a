/**
 * Real speech and ffmpeg's EBU R128 meter (the `ebur128` filter, Debian `ffmpeg`), the
 * reference the loudness meter is checked against.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Integrated loudness (LUFS) of mono s16le PCM as ffmpeg measures it; undefined when it
 * reports none (under -70 LUFS, or too short).
 *
 * @example
 * await ffmpegLoudness(samples, 22050) // -20.4
 */
export function ffmpegLoudness(samples: Int16Array, sampleRate: number): number | undefined {
  if (!Bun.which('ffmpeg')) throw new Error('ffmpeg not found: install Debian ffmpeg (.ci/run does)')
  const file = join(mkdtempSync(join(tmpdir(), 'ebur128-')), 'audio.raw')
  writeFileSync(file, new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength))
  const run = Bun.spawnSync(['ffmpeg', '-hide_banner', '-nostats', '-f', 's16le', '-ar', String(sampleRate), '-ac', '1', '-i', file, '-af', 'ebur128', '-f', 'null', '-'])
  const summary = run.stderr.toString().split('Summary:')[1] ?? ''
  const value = /I:\s+(-?[\d.]+|-inf|nan) LUFS/.exec(summary)?.[1]
  return value === undefined || !/\d/.test(value) ? undefined : Number(value)
}

/**
 * Speech from the espeak-ng program (Debian `espeak-ng`), as mono s16le at `sampleRate`
 * (resampled by ffmpeg from espeak's 22050 Hz when another rate is asked).
 *
 * @example
 * const samples = speech('Hello there.', 'en-us+f3', 48000)
 */
export function speech(text: string, voice: string, sampleRate = 22050, options: { amplitude?: number; speed?: number } = {}): Int16Array {
  if (!Bun.which('espeak-ng')) throw new Error('espeak-ng not found: install Debian espeak-ng (.ci/run does)')
  const dir = mkdtempSync(join(tmpdir(), 'speech-'))
  const wav = join(dir, 'speech.wav')
  const args = ['espeak-ng', '-v', voice, '-a', String(options.amplitude ?? 100), '-s', String(options.speed ?? 175), '-w', wav, text]
  const made = Bun.spawnSync(args)
  if (made.exitCode !== 0) throw new Error(`espeak-ng failed: ${made.stderr.toString()}`)
  const raw = join(dir, 'speech.raw')
  const converted = Bun.spawnSync(['ffmpeg', '-v', 'error', '-i', wav, '-f', 's16le', '-ac', '1', '-ar', String(sampleRate), raw])
  if (converted.exitCode !== 0) throw new Error(`ffmpeg failed: ${converted.stderr.toString()}`)
  const bytes = readFileSync(raw)
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2)
}
