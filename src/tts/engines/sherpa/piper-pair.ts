/**
 * A Piper voice as Piper publishes it: `<voice>.onnx` plus `<voice>.onnx.json`. sherpa-onnx
 * reads the phoneme map from a tokens.txt and the sample rate, speaker count and espeak-ng
 * voice from the model's own metadata, which Piper's exports do not carry. So at start the
 * json becomes a tokens.txt, and the metadata sherpa-onnx needs is appended to a copy of
 * the model (a protobuf message may be extended by appending fields: the weights are
 * copied byte for byte, never decoded). Models that already carry it are used as they are.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ModelProto } from './onnx/onnx-schema.ts'
import { formatTokens } from './tokens-file.ts'

export interface PiperConfig {
  sampleRate: number
  /** espeak-ng voice for phonemes (`espeak.voice`), e.g. `en-us`. */
  espeakVoice: string
  /** BCP-47 language of the voice, e.g. `en-US` (from `language.code`, else the espeak voice). */
  language: string
  phonemeIds: Map<string, number>
  /** Speaker names in id order (empty for a single-speaker voice). */
  speakers: string[]
  /** Piper's dataset name (the voice's name), e.g. `lessac`. */
  dataset?: string
  usesEspeak: boolean
  /** The voice's own synthesis settings (Piper's `inference` block): its pace at speed 1, and its noise. */
  inference: { lengthScale: number; noiseScale: number; noiseW: number }
}

/**
 * Reads a Piper `.onnx.json`; returns the problems instead when it is not one.
 *
 * @example
 * const config = readPiperConfig(JSON.parse(await Bun.file('en_US-lessac-medium.onnx.json').text()))
 */
export function readPiperConfig(json: unknown): PiperConfig | { problems: string[] } {
  const c = (typeof json === 'object' && json !== null ? json : {}) as Record<string, any>
  const problems: string[] = []
  const rate = c.audio?.sample_rate
  if (!Number.isInteger(rate) || rate < 8000 || rate > 192_000) problems.push('audio.sample_rate is missing or not a sample rate')
  const map = c.phoneme_id_map
  if (typeof map !== 'object' || map === null || Object.keys(map).length === 0) problems.push('phoneme_id_map is missing or empty')
  const phonemeIds = new Map<string, number>()
  for (const [symbol, ids] of Object.entries((map ?? {}) as Record<string, unknown>)) {
    if (symbol === '\n') continue // Piper's maps may list a newline; sherpa-onnx's conversion drops it too
    const id = Array.isArray(ids) ? ids[0] : ids
    if ([...symbol].length !== 1 || !Number.isInteger(id)) problems.push(`phoneme_id_map: ${JSON.stringify(symbol)} is not one character with an integer id`)
    else phonemeIds.set(symbol, id as number)
  }
  const usesEspeak = (c.phoneme_type ?? 'espeak') === 'espeak'
  const espeakVoice: unknown = c.lang_code ?? c.espeak?.voice
  if (usesEspeak && typeof espeakVoice !== 'string') problems.push('espeak.voice is missing')
  const speakerMap = (c.speaker_id_map ?? {}) as Record<string, number>
  const speakers = Object.entries(speakerMap).sort((a, b) => a[1] - b[1]).map(([name]) => name)
  const count = Number.isInteger(c.num_speakers) ? (c.num_speakers as number) : Math.max(1, speakers.length)
  if (speakers.length > 0 && speakers.length !== count) problems.push(`speaker_id_map names ${speakers.length} speakers but num_speakers is ${count}`)
  if (problems.length) return { problems }
  const code = typeof c.language?.code === 'string' ? (c.language.code as string) : String(espeakVoice ?? 'und')
  return {
    sampleRate: rate === 22500 ? 22050 : rate, // a known typo in some Piper configs
    espeakVoice: espeakVoice === 'pt-PT' ? 'pt' : String(espeakVoice ?? ''),
    language: bcp47(code),
    phonemeIds,
    speakers: count > 1 ? (speakers.length ? speakers : Array.from({ length: count }, (_, i) => `speaker-${i}`)) : [],
    ...(typeof c.dataset === 'string' && { dataset: c.dataset }),
    usesEspeak,
    inference: {
      lengthScale: positive(c.inference?.length_scale, 1),
      noiseScale: positive(c.inference?.noise_scale, 0.667),
      noiseW: positive(c.inference?.noise_w, 0.8),
    },
  }
}

const positive = (value: unknown, fallback: number) => (typeof value === 'number' && value > 0 && value < 10 ? value : fallback)

/** `en_US` or `en-us` → `en-US`. */
export function bcp47(code: string): string {
  const [lang, ...rest] = code.replace(/_/g, '-').split('-')
  return [lang!.toLowerCase(), ...rest.map((r) => (r.length === 2 ? r.toUpperCase() : r))].join('-')
}

/** The metadata sherpa-onnx's VITS loader reads, for a Piper voice. */
export function piperMetadata(config: PiperConfig): Record<string, string> {
  return {
    model_type: 'vits',
    comment: 'piper',
    language: config.language,
    voice: config.espeakVoice,
    has_espeak: config.usesEspeak ? '1' : '0',
    n_speakers: String(Math.max(1, config.speakers.length)),
    sample_rate: String(config.sampleRate),
  }
}

/**
 * Writes tokens.txt and, when `missing` metadata must be added, a copy of the model with it,
 * into a directory named after the model's identity (path, size, time, config), so a restart
 * reuses them. Returns the paths sherpa-onnx should load.
 */
export function preparePiperFiles(
  model: { path: string; bytes: Uint8Array },
  config: PiperConfig,
  missing: Record<string, string>,
  workDir = join(tmpdir(), 'tts-edge-sherpa'),
): { model: string; tokens: string } {
  const stat = statSync(model.path)
  const identity = JSON.stringify([resolve(model.path), stat.size, stat.mtimeMs, [...config.phonemeIds], missing])
  const dir = join(workDir, createHash('sha256').update(identity).digest('hex').slice(0, 16))
  mkdirSync(dir, { recursive: true })
  const tokens = join(dir, 'tokens.txt')
  writeAtomically(tokens, formatTokens(config.phonemeIds))
  if (Object.keys(missing).length === 0) return { model: model.path, tokens }
  const derived = join(dir, 'model.onnx')
  if (!existsSync(derived) || statSync(derived).size <= stat.size) {
    const entries = Object.entries(missing).map(([key, value]) => ({ key, value }))
    const tail = ModelProto.encode(ModelProto.fromObject({ metadataProps: entries })).finish()
    const bytes = new Uint8Array(model.bytes.length + tail.length)
    bytes.set(model.bytes)
    bytes.set(tail, model.bytes.length)
    writeAtomically(derived, bytes)
  }
  return { model: derived, tokens }
}

function writeAtomically(path: string, data: string | Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, data)
  renameSync(temporary, path)
}
