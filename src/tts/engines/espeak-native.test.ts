import { expect, test } from 'bun:test'
import { resolveVoice, VOICES } from '../voices.ts'
import { collect, describeEngine, FOX, seconds } from './engine-contract.ts'
import { createEspeakNativeEngine } from './espeak-native.ts'
import { createEngine, isNativeEspeakAvailable } from './index.ts'

const missing = isNativeEspeakAvailable() ? undefined : 'libespeak-ng is not installed (apt-get install libespeak-ng1)'

describeEngine('espeak-native', createEspeakNativeEngine, missing)

test.skipIf(missing !== undefined)('espeak-native streams within a sentence and speaks every catalogue voice', async () => {
  const engine = createEngine({ engine: 'espeak', workers: 2, maxQueue: VOICES.length })
  try {
    expect(engine.name).toBe('espeak-native')
    const chunks = await collect(engine.synthesize(FOX, resolveVoice('onyx')!, {}))
    expect(chunks.length).toBeGreaterThan(3) // one sentence, delivered in blocks
    const silent = await Promise.all(
      VOICES.map(async (v) => ((seconds(await collect(engine.synthesize('Hello, one two.', v, {}))) > 0.3 ? null : v.id))),
    )
    expect(silent.filter(Boolean)).toEqual([])
  } finally {
    await engine.close()
  }
})

test.skipIf(missing === undefined)('without libespeak-ng, "espeak" falls back to the WASM engine', async () => {
  const engine = createEngine({ engine: 'espeak', workers: 1, maxQueue: 1 })
  expect(engine.name).toBe('espeak-wasm')
  await engine.close()
})
