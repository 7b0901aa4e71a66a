/**
 * The espeak-ng data directory sherpa-onnx phonemises with (Piper, Kokoro, Kitten and
 * Matcha's English models all use espeak-ng phonemes). sherpa-onnx embeds espeak-ng but
 * not its data: the operator names a directory, or the system's (Debian's
 * `espeak-ng-data` package, installed with `libespeak-ng1`) is used.
 *
 * sherpa-onnx starts espeak-ng once per process, and a voice espeak-ng does not know gives
 * silence on every request, so both the directory and the model's voice are checked at start.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const REQUIRED = ['phontab', 'phonindex', 'phondata', 'intonations']

/** Where distributions install espeak-ng's data (multiarch Debian first). */
export function systemEspeakDataDirs(): string[] {
  const multiarch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu'
  return [`/usr/lib/${multiarch}/espeak-ng-data`, '/usr/share/espeak-ng-data', '/usr/lib/espeak-ng-data', '/usr/local/share/espeak-ng-data']
}

/**
 * The first system data directory that is complete, or undefined.
 *
 * @example
 * findSystemEspeakData() // '/usr/lib/x86_64-linux-gnu/espeak-ng-data' on Debian amd64
 */
export function findSystemEspeakData(): string | undefined {
  return systemEspeakDataDirs().find((dir) => espeakDataProblems(dir).length === 0)
}

/** What is missing from `dir` for espeak-ng to start (empty when nothing). */
export function espeakDataProblems(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return ['is not a directory']
  const missing = REQUIRED.filter((f) => !existsSync(join(dir, f)))
  return missing.length ? [`is not an espeak-ng data directory (no ${missing.join(', ')})`] : []
}

/**
 * True when espeak-ng in `dir` can select `voice` (e.g. `en-us`) by name, as sherpa-onnx
 * does: a voice file of that name (case-insensitive) under lang/ or voices/, or its path
 * there (`gmw/en`). A language a file only lists (`language en-gb` in `lang/gmw/en`) is not
 * enough: sherpa-onnx's espeak-ng then fails to phonemise, measured with Debian's data.
 *
 * @example
 * hasEspeakVoice('/usr/lib/x86_64-linux-gnu/espeak-ng-data', 'en-gb-x-rp') // true: lang/gmw/en-GB-x-rp
 * hasEspeakVoice('/usr/lib/x86_64-linux-gnu/espeak-ng-data', 'en-gb') // false
 */
export function hasEspeakVoice(dir: string, voice: string): boolean {
  const wanted = voice.toLowerCase()
  return voiceFiles(dir).some((file) => file.name.toLowerCase() === wanted || file.relative.toLowerCase() === wanted)
}

function voiceFiles(dir: string): { name: string; relative: string }[] {
  const out: { name: string; relative: string }[] = []
  for (const top of ['lang', 'voices']) {
    const root = join(dir, top)
    if (!existsSync(root)) continue
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) out.push({ name: entry.name, relative: relative(root, join(entry.parentPath, entry.name)) })
    }
  }
  return out
}
