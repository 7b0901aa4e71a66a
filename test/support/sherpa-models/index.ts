/**
 * Small generated models of every family tts-edge's `sherpa` kind loads, written into a
 * fresh directory for a test file (about a second in all). Random weights: the audio is
 * noise, while loading, phonemes, durations, speed, streaming and formats are real.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeKokoroVoices } from './kokoro-voice.ts'
import { writeMatchaVoice } from './matcha-voice.ts'
import { writePiperVoice } from './piper-voice.ts'

export { writeKokoroVoices } from './kokoro-voice.ts'
export { writeMatchaVoice } from './matcha-voice.ts'
export { writePiperVoice } from './piper-voice.ts'
export { MEDIUM_VITS, TINY_VITS } from './vits-graph.ts'

/** The system's espeak-ng data (Debian's espeak-ng-data, installed with libespeak-ng1). */
export { findSystemEspeakData } from '../../../src/tts/engines/sherpa/espeak-data.ts'

/**
 * @example
 * const models = await writeTestModels()
 * // engines file: { kind: sherpa, model: models.piper.model }
 */
export async function writeTestModels(dir = mkdtempSync(join(tmpdir(), 'tts-edge-models-'))) {
  const [piper, piperSpeakers, vits, kokoro, kitten, matcha] = await Promise.all([
    writePiperVoice(join(dir, 'piper'), { name: 'en_US-test-tiny' }),
    writePiperVoice(join(dir, 'piper-speakers'), { name: 'en_GB-chorus-tiny', speakers: ['alice', 'bob'], languageCode: 'en_GB', espeakVoice: 'en-gb-x-rp' }),
    writePiperVoice(join(dir, 'vits'), { layout: 'sherpa', name: 'vits-piper-test' }),
    writeKokoroVoices(join(dir, 'kokoro'), ['af_test', 'bm_test']),
    writeKokoroVoices(join(dir, 'kitten'), ['expr-voice-2-f', 'expr-voice-2-m'], 4, 'kitten'),
    writeMatchaVoice(join(dir, 'matcha')),
  ])
  return { dir, piper, piperSpeakers, vits, kokoro, kitten, matcha }
}
