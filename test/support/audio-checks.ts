/**
 * Checks on decoded audio beyond ffprobe's header view: the file's real bitrate, the loudness
 * envelope of the speech (so a codec that garbles the audio cannot pass on length alone), and
 * an Opus packet's table-of-contents byte.
 */
import { rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

function withFile<T>(bytes: Uint8Array, ext: string, fn: (path: string) => T): T {
  const path = join(tmpdir(), `tts-edge-audio-check-${crypto.randomUUID()}.${ext}`)
  writeFileSync(path, bytes)
  try {
    return fn(path)
  } finally {
    rmSync(path, { force: true })
  }
}

/**
 * Format-level bitrate ffprobe reports (bytes over duration), in kbps.
 *
 * @example
 * probedKbps(oggBytes, 'opus') // ~64 for opus_48000_64
 */
export function probedKbps(bytes: Uint8Array, ext: string): number {
  const out = withFile(bytes, ext, (path) => Bun.spawnSync(['ffprobe', '-v', 'error', '-show_entries', 'format=bit_rate', '-of', 'csv=p=0', path]))
  return Number(out.stdout.toString().trim()) / 1000
}

/**
 * Loudness per 20 ms of the audio as ffmpeg decodes it (16 kHz mono): the shape of the speech.
 *
 * @example
 * similarity(envelope(opusBytes, 'opus'), envelope(wavBytes, 'wav')) // > 0.9 for the same speech
 */
export function envelope(bytes: Uint8Array, ext: string, rawRate?: number): number[] {
  const raw = rawRate ? ['-f', { pcm: 's16le', wav: 's16le', ulaw: 'mulaw', alaw: 'alaw' }[ext] ?? ext, '-ar', String(rawRate), '-ac', '1'] : []
  const out = withFile(bytes, ext, (path) => Bun.spawnSync(['ffmpeg', '-v', 'error', ...raw, '-i', path, '-f', 's16le', '-ac', '1', '-ar', '16000', '-']))
  const pcm = new Int16Array(out.stdout.buffer, out.stdout.byteOffset, out.stdout.byteLength >> 1)
  const windows: number[] = []
  for (let at = 0; at + 320 <= pcm.length; at += 320) {
    let sum = 0
    for (let i = at; i < at + 320; i++) sum += pcm[i]! ** 2
    windows.push(Math.sqrt(sum / 320))
  }
  return windows
}

/**
 * Best correlation of two envelopes within a few windows' shift (codec delays differ).
 *
 * @example
 * similarity(a, a) // 1
 */
export function similarity(a: number[], b: number[]): number {
  let best = -1
  for (let lag = -3; lag <= 3; lag++) {
    const pairs: [number, number][] = []
    for (let i = Math.max(0, -lag); i < a.length && i + lag < b.length; i++) pairs.push([a[i]!, b[i + lag]!])
    const mean = (k: 0 | 1) => pairs.reduce((n, p) => n + p[k], 0) / pairs.length
    const [ma, mb] = [mean(0), mean(1)]
    let [num, da, db] = [0, 0, 0]
    for (const [x, y] of pairs) [num, da, db] = [num + (x - ma) * (y - mb), da + (x - ma) ** 2, db + (y - mb) ** 2]
    best = Math.max(best, num / Math.sqrt(da * db))
  }
  return best
}

/**
 * Frame duration in ms of an Opus packet's TOC byte, and how many frames it holds (RFC 6716 3.1).
 *
 * @example
 * opusToc(packet) // { ms: 20, frames: 1 } for what /v1/stream sends
 */
export function opusToc(packet: Uint8Array): { ms: number; frames: number } {
  const config = packet[0]! >> 3
  const code = packet[0]! & 3
  const ms = config < 12 ? [10, 20, 40, 60][config % 4]! : config < 16 ? [10, 20][config % 2]! : [2.5, 5, 10, 20][config % 4]!
  return { ms, frames: code === 0 ? 1 : code === 3 ? packet[1]! & 0x3f : 2 }
}
