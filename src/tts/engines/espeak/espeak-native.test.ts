import { expect, test } from 'bun:test'
import { VOICES } from './espeak-voices.ts'
import { collect, describeEngine, seconds } from '../../../../test/support/engine-contract.ts'
import { createEspeakNativeEngine } from './espeak-native.ts'
import { createEspeak, isNativeEspeakAvailable } from './espeak-variants.ts'

const missing = isNativeEspeakAvailable() ? undefined : 'libespeak-ng is not installed (apt-get install libespeak-ng1)'

describeEngine('espeak-native', createEspeakNativeEngine, missing)

test.skipIf(missing !== undefined)('"espeak" picks the native engine here, and it speaks every catalogue voice', async () => {
  const engine = createEspeak({ engine: 'espeak', workers: 2, maxQueue: VOICES.length })
  try {
    expect(engine.name).toBe('espeak-native')
    const silent = await Promise.all(
      VOICES.map(async (v) => ((seconds(await collect(engine.synthesize('Hello, one two.', v, {}))) > 0.3 ? null : v.id))),
    )
    expect(silent.filter(Boolean)).toEqual([])
  } finally {
    await engine.close()
  }
})

test.skipIf(missing === undefined)('without libespeak-ng, "espeak" falls back to the WASM engine', async () => {
  const engine = createEspeak({ engine: 'espeak', workers: 1, maxQueue: 1 })
  expect(engine.name).toBe('espeak-wasm')
  await engine.close()
})
