import { expect, test } from 'bun:test'
import { resolveVoice } from './espeak-voices.ts'
import { collect, describeEngine, seconds } from '../../../../test/support/engine-contract.ts'
import { createEspeakWasmEngine } from './espeak-wasm.ts'

describeEngine('espeak-wasm', createEspeakWasmEngine)

test('espeak-wasm speaks other languages and both genders', async () => {
  const engine = createEspeakWasmEngine({ workers: 1, maxQueue: 8 })
  try {
    for (const id of ['de-f1', 'fr-fr-m1', 'ja-f1', 'pt-br-m1', 'en-gb-f2']) {
      const chunks = await collect(engine.synthesize('Un, deux, drei, one.', resolveVoice(id)!, {}))
      expect({ id, audible: seconds(chunks) > 0.5 }).toEqual({ id, audible: true })
    }
  } finally {
    await engine.close()
  }
})
