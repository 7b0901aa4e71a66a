/**
 * An engine worker that crashes or hangs: the request fails cleanly with 503 in its API's
 * shape, the worker is replaced, and the next request succeeds. The pool, the job runner
 * and the app are the real ones; only espeak is replaced by a worker that misbehaves.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { buildApp } from './support/in-process-app.ts'
import { createEspeakEngine } from '../src/tts/engines/espeak/espeak-engine.ts'

let built: Awaited<ReturnType<typeof buildApp>>

beforeAll(async () => {
  const engine = createEspeakEngine(
    { name: 'faulty', workerUrl: new URL('./support/faulty-engine.worker.ts', import.meta.url), rates: { min: 80, max: 450 } },
    // The hang test waits this long. A fresh worker's first job (after the crash) has to get its
    // first chunk out within it too, which took over 300 ms on a loaded 2-core machine.
    { workers: 1, maxQueue: 4, jobTimeoutMs: 2000 },
  )
  built = await buildApp({ telemetry: false, engine })
})
afterAll(() => built.close())

const openai = (input: string) =>
  built.app.request('/v1/audio/speech', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input, response_format: 'pcm' }),
  })
const elevenlabs = (text: string) =>
  built.app.request('/v1/text-to-speech/en-us-f1?output_format=pcm_16000', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  })

test('a worker that crashes gives a 503 in the OpenAI shape, and the next request is served', async () => {
  const res = await openai('This will CRASH the worker.')
  expect(res.status).toBe(503)
  expect(res.headers.get('retry-after')).toBe('1')
  expect(await res.json()).toMatchObject({ error: { code: 'engine_unavailable', type: 'server_error' } })
  const next = await openai('Back to normal.')
  expect(next.status).toBe(200)
  expect((await next.arrayBuffer()).byteLength).toBeGreaterThan(1000)
})

test('a worker that hangs gives a 503 in the ElevenLabs shape after the job timeout, and is replaced', async () => {
  const res = await elevenlabs('This will HANG forever.')
  expect(res.status).toBe(503)
  expect(await res.json()).toEqual({ detail: { status: 'engine_unavailable', message: expect.any(String) } })
  const next = await elevenlabs('And yet we go on.')
  expect(next.status).toBe(200)
  expect((await next.arrayBuffer()).byteLength).toBeGreaterThan(1000)
})
