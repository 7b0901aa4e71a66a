/**
 * Decodes audio with the real ffprobe/ffmpeg (Debian `ffmpeg`), as a player would.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface ProbedAudio {
  codec: string
  sampleRate: number
  channels: number
  /** Seconds of audio actually decoded (not the header's claim). */
  decodedSeconds: number
}

/**
 * @example
 * const info = await probeAudio(bytes, 'mp3')
 * expect(info.codec).toBe('mp3')
 */
export async function probeAudio(bytes: Uint8Array, format: string, rawRate?: number): Promise<ProbedAudio> {
  if (!Bun.which('ffprobe')) throw new Error('ffprobe not found: install Debian ffmpeg (.ci/run does)')
  const dir = mkdtempSync(join(tmpdir(), 'probe-'))
  const file = join(dir, `audio.${format}`)
  writeFileSync(file, bytes)
  const raw = format === 'ulaw' ? 'mulaw' : format === 'alaw' ? 'alaw' : 's16le'
  const input = rawRate ? ['-f', raw, '-ar', String(rawRate), '-ac', '1', '-i', file] : ['-i', file]
  const probe = Bun.spawnSync(['ffprobe', '-v', 'error', '-show_streams', '-of', 'json', ...(rawRate ? input.slice(0, -2) : []), file])
  if (probe.exitCode !== 0) throw new Error(`ffprobe failed: ${probe.stderr.toString()}`)
  const stream = JSON.parse(probe.stdout.toString()).streams?.[0] ?? {}
  // Decode every sample to PCM and count them: a truncated or corrupt file shows here.
  const decode = Bun.spawnSync(['ffmpeg', '-v', 'error', ...input, '-f', 's16le', '-ac', '1', '-ar', '16000', '-'])
  if (decode.exitCode !== 0) throw new Error(`ffmpeg could not decode: ${decode.stderr.toString()}`)
  return {
    codec: String(stream.codec_name),
    sampleRate: Number(stream.sample_rate),
    channels: Number(stream.channels),
    decodedSeconds: decode.stdout.length / 2 / 16000,
  }
}
