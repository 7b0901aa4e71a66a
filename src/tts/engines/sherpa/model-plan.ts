/**
 * Checks an engines-file entry of kind `sherpa` at start and turns it into what the
 * workers load and the voices the engine lists. Every problem is reported at once, each
 * naming the key and the file, as a ConfigError (main exits 78): sherpa-onnx itself would
 * end the whole process on most of them, at the first request or worse.
 */
import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import type { OfflineTtsConfig } from 'sherpa-onnx-node'
import { ConfigError } from '../../../config.ts'
import type { Gender, Voice } from '../../engine.ts'
import { espeakDataProblems, findSystemEspeakData, hasEspeakVoice, systemEspeakDataDirs } from './espeak-data.ts'
import { Problems } from './model-files.ts'
import { addonProblem } from './sherpa-addon.ts'
import { planMatcha } from './plan-matcha.ts'
import { planStyles } from './plan-styles.ts'
import type { FamilyPlan, SherpaFamily } from './plan-types.ts'
import { piperConfigPath, planPiper, planVits } from './plan-vits.ts'
import type { SherpaEngineSettings } from './sherpa-settings.ts'

export interface SherpaPlan {
  family: SherpaFamily
  /**
   * What identifies the audio this model makes, for cache keys: the family and a digest of
   * the files' paths, sizes and modification times, so a replaced model never serves the old one's audio.
   */
  identity: string
  /** Handed to every worker's OfflineTts. */
  config: OfflineTtsConfig
  sampleRate: number
  voices: Voice[]
  /** The voice's own pace at speed 1, as a length scale (Piper's json may set one; 1 otherwise). */
  lengthScale: number
}

const NEEDS: Record<SherpaFamily, (keyof SherpaEngineSettings)[]> = {
  piper: ['model'],
  vits: ['model', 'tokens'],
  kokoro: ['model', 'voices', 'tokens'],
  kitten: ['model', 'voices', 'tokens'],
  matcha: ['acoustic_model', 'vocoder', 'tokens'],
}

/**
 * @example
 * const plan = planSherpaModel({ ...settings, name: 'piper' }) // throws ConfigError naming each bad file
 * plan.voices.map((v) => v.id) // ['lessac']
 */
export function planSherpaModel(s: SherpaEngineSettings): SherpaPlan {
  const problems = new Problems(`engines.${s.name}`)
  const family = s.family ?? detectFamily(s)
  const addon = addonProblem()
  if (addon) problems.add('kind', undefined, addon)
  for (const key of NEEDS[family]) if (!s[key]) problems.add(key, undefined, `a ${family} model needs ${key}`)
  if (problems.list.length) throw new ConfigError(problems.list)
  const dataDir = s.data_dir ?? findSystemEspeakData()
  if (s.data_dir) for (const p of espeakDataProblems(s.data_dir)) problems.add('data_dir', s.data_dir, p)
  const planned = planFamily(family, s, problems, dataDir)
  if (planned?.espeakVoice !== undefined) {
    if (!dataDir) {
      problems.add('data_dir', undefined, `the model phonemises with espeak-ng, and no espeak-ng-data was found (looked in ${systemEspeakDataDirs().join(', ')}): install espeak-ng-data or name data_dir`)
    } else if (!problems.list.length && !hasEspeakVoice(dataDir, planned.espeakVoice)) {
      problems.add('data_dir', dataDir, `espeak-ng has no voice "${planned.espeakVoice}", which the model phonemises with`)
    }
  }
  if (!planned || problems.list.length) throw new ConfigError(problems.list)
  return {
    family: planned.family,
    identity: `sherpa-${planned.family}:${filesDigest(s)}`,
    config: { model: { ...planned.model, numThreads: s.num_threads, provider: 'cpu', debug: false }, maxNumSentences: 1 },
    sampleRate: planned.sampleRate,
    voices: voicesOf(planned, s),
    lengthScale: planned.lengthScale ?? 1,
  }
}

const FILE_KEYS = ['model', 'config', 'tokens', 'voices', 'acoustic_model', 'vocoder', 'lexicon'] as const

function filesDigest(s: SherpaEngineSettings): string {
  const files = FILE_KEYS.flatMap((key) => {
    const path = key === 'config' ? piperConfigPath(s) : s[key]
    if (!path) return []
    const stat = statSync(path)
    return [[key, resolve(path), stat.size, stat.mtimeMs]]
  })
  return createHash('sha256').update(JSON.stringify([files, s.lang ?? null])).digest('hex').slice(0, 16)
}

function detectFamily(s: SherpaEngineSettings): SherpaFamily {
  if (s.acoustic_model || s.vocoder) return 'matcha'
  if (s.voices) return 'kokoro'
  return piperConfigPath(s) ? 'piper' : 'vits'
}

function planFamily(family: SherpaFamily, s: SherpaEngineSettings, problems: Problems, dataDir: string | undefined): FamilyPlan | undefined {
  switch (family) {
    case 'piper':
      return planPiper(s, problems, dataDir)
    case 'vits':
      return planVits(s, problems, dataDir)
    case 'kokoro':
    case 'kitten':
      return planStyles(family, s, problems, dataDir)
    case 'matcha':
      return planMatcha(s, problems, dataDir)
  }
}

// Kokoro's voice names: first letter the language, second the gender (af_bella, bm_george).
const KOKORO_LANGUAGE: Record<string, string> = { a: 'en-US', b: 'en-GB', e: 'es', f: 'fr', h: 'hi', i: 'it', j: 'ja', p: 'pt-BR', z: 'zh' }
const FAMILY_NAME: Record<SherpaFamily, string> = { piper: 'Piper', vits: 'VITS', kokoro: 'Kokoro', kitten: 'Kitten', matcha: 'Matcha' }

function voicesOf(plan: FamilyPlan, s: SherpaEngineSettings): Voice[] {
  const names = plan.speakers.length ? plan.speakers : [plan.stem]
  return names.map((speaker, sid) => {
    const id = speaker.replace(/[^A-Za-z0-9_.-]+/g, '-')
    const kokoro = plan.namesSayLanguage ? /^([a-z])([fm])_/i.exec(speaker) : null
    const language = (kokoro && KOKORO_LANGUAGE[kokoro[1]!.toLowerCase()]) ?? plan.language
    // Kitten's names end in the gender (expr-voice-2-m).
    const said = kokoro?.[2] ?? (plan.family === 'kitten' ? /-([fm])$/i.exec(speaker)?.[1] : undefined)
    const gender: Gender = s.genders[id] ?? (said ? (said.toLowerCase() === 'm' ? 'male' : 'female') : s.gender)
    const description = `sherpa-onnx ${FAMILY_NAME[plan.family]} ${plan.stem}${plan.speakers.length ? ` speaker ${sid}` : ''}`
    return { id, name: `${speaker} (${FAMILY_NAME[plan.family]}, ${language})`, language, gender, engineVoice: String(sid), description }
  })
}
