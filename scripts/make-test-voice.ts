/**
 * `bun scripts/make-test-voice.ts <dir> [piper|vits|kokoro|kitten|matcha] [tiny|medium]`
 *
 * Writes a generated voice in the real file formats the `sherpa` engine kind loads (random
 * weights: it speaks noise, with real phonemes, durations, speed and streaming) and prints
 * the engines-file entry that names it. The tests and `bun run bench engine-speed` make
 * theirs the same way (test/support/sherpa-models/); this is for trying the kind without
 * downloading a voice. `medium` (Piper only) has the size and compute of a Piper medium voice.
 */
import { resolve } from 'node:path'
import { MEDIUM_VITS, TINY_VITS, writeKokoroVoices, writeMatchaVoice, writePiperVoice } from '../test/support/sherpa-models/index.ts'

const [dirArg, family = 'piper', size = 'tiny'] = process.argv.slice(2)
const FAMILIES = ['piper', 'vits', 'kokoro', 'kitten', 'matcha']
if (!dirArg || !FAMILIES.includes(family) || !['tiny', 'medium'].includes(size) || (size === 'medium' && family !== 'piper' && family !== 'vits')) {
  console.error(`usage: bun scripts/make-test-voice.ts <dir> [${FAMILIES.join('|')}] [tiny|medium (piper, vits)]`)
  process.exit(64) // EX_USAGE
}
const dir = resolve(dirArg)
const vitsSize = size === 'medium' ? MEDIUM_VITS : TINY_VITS
let entry: Record<string, string>
switch (family) {
  case 'piper':
  case 'vits': {
    const files = await writePiperVoice(dir, { size: vitsSize, name: `en_US-generated-${size}`, layout: family === 'vits' ? 'sherpa' : 'piper' })
    entry = { model: files.model, ...(files.tokens && { tokens: files.tokens }) }
    console.error(`${(files.parameters / 1e6).toFixed(2)} M parameters`)
    break
  }
  case 'kokoro':
  case 'kitten':
    entry = { ...(await writeKokoroVoices(dir, family === 'kokoro' ? ['af_generated', 'bm_generated'] : ['expr-voice-2-f', 'expr-voice-2-m'], 3, family)) }
    break
  default: {
    const files = await writeMatchaVoice(dir)
    entry = { acoustic_model: files.acousticModel, vocoder: files.vocoder, tokens: files.tokens }
  }
}
console.log(`engines:\n  generated: { kind: sherpa, ${Object.entries(entry).map(([k, v]) => `${k}: ${v}`).join(', ')} }`)
