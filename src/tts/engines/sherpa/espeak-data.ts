/**
 * The espeak-ng data directory sherpa-onnx phonemises with (Piper, Kokoro, Kitten and
 * Matcha's English models all use espeak-ng phonemes). sherpa-onnx embeds espeak-ng but
 * not its data: the operator names a directory, or the system's (Debian's
 * `espeak-ng-data` package, installed with `libespeak-ng1`) is used.
 *
 * sherpa-onnx starts espeak-ng once per process, and a voice espeak-ng does not know gives
 * silence on every request, so both the directory and the model's voice are checked at start.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

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
 * True when espeak-ng in `dir` knows `voice` (e.g. `en-us`), by file name or by a
 * `language` line of a voice file, case-insensitively, as espeak-ng matches them.
 *
 * @example
 * hasEspeakVoice('/usr/lib/x86_64-linux-gnu/espeak-ng-data', 'fr-fr') // true: lang/roa/fr says "language fr-fr"
 */
export function hasEspeakVoice(dir: string, voice: string): boolean {
  const wanted = voice.toLowerCase()
  for (const file of voiceFiles(dir)) {
    if (file.name.toLowerCase() === wanted) return true
    const head = readFileSync(file.path, 'utf8').slice(0, 2000)
    for (const line of head.split('\n')) {
      const match = /^language\s+(\S+)/.exec(line.trim())
      if (match?.[1]?.toLowerCase() === wanted) return true
    }
  }
  return false
}

function voiceFiles(dir: string): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = []
  for (const top of ['lang', 'voices']) {
    const root = join(dir, top)
    if (!existsSync(root)) continue
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) out.push({ name: entry.name, path: join(entry.parentPath, entry.name) })
    }
  }
  return out
}
