/**
 * Bad input at the HTTP entry points: each gets a clear error in its API's own shape
 * and the right status, never a 500, and the service keeps serving.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startService, type RunningService } from './support/service.ts'

let svc: RunningService

beforeAll(async () => {
  svc = await startService({ TTS_MAX_BODY_BYTES: '4096', TTS_MAX_INPUT_CHARS: '200' })
})
afterAll(async () => {
  expect(await svc.stop()).toBe(0)
}, 30_000)

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})
const ok = { model: 'tts-1', voice: 'alloy', input: 'Hello.' }

async function openai(init: RequestInit) {
  const res = await fetch(`${svc.url}/v1/audio/speech`, init)
  return { status: res.status, body: (await res.json()) as { error: Record<string, unknown> }, headers: res.headers }
}

async function eleven(init: RequestInit, query = '') {
  const res = await fetch(`${svc.url}/v1/text-to-speech/en-us-f1${query}`, init)
  return { status: res.status, body: (await res.json()) as { detail: unknown } }
}

describe('OpenAI API errors', () => {
  test.each([
    ['malformed JSON', json('{"model": "tts-1",'), 400, 'invalid_json', null],
    ['an empty input', json({ ...ok, input: '   ' }), 400, 'invalid_value', 'input'],
    ['an input over the limit', json({ ...ok, input: 'a'.repeat(201) }), 400, 'string_above_max_length', 'input'],
    ['a speed out of range', json({ ...ok, speed: 5 }), 400, 'invalid_value', 'speed'],
    ['a speed of the wrong type', json({ ...ok, speed: 'fast' }), 400, 'invalid_value', 'speed'],
    ['an unknown format', json({ ...ok, response_format: 'ogg' }), 400, 'unsupported_format', 'response_format'],
    ['an ElevenLabs format name', json({ ...ok, response_format: 'mp3_44100_128' }), 400, 'unsupported_format', 'response_format'],
    ['a missing voice', json({ model: 'tts-1', input: 'x' }), 400, 'invalid_value', 'voice'],
    ['an unknown model', json({ ...ok, model: 'tts-0' }), 404, 'model_not_found', 'model'],
    ['a JSON array body', json([1, 2]), 400, 'invalid_value', null],
  ] as const)('%s', async (_name, init, status, code, param) => {
    const res = await openai(init)
    expect(res.status).toBe(status)
    expect(res.body.error).toMatchObject({ code, param, type: 'invalid_request_error', message: expect.any(String) })
  })

  test('a non-JSON content type is a 400 naming the expected type', async () => {
    const res = await openai({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(ok) })
    expect(res.status).toBe(400)
    expect(String(res.body.error.message)).toContain('application/json')
  })

  test('an unsupported format names the supported ones', async () => {
    const res = await openai(json({ ...ok, response_format: 'ogg' }))
    for (const name of ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm']) expect(String(res.body.error.message)).toContain(name)
  })

  test('an oversized body is refused with 413 from its declared length, before it is read', async () => {
    const res = await openai(json({ ...ok, input: 'a'.repeat(10_000) }))
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('request_too_large')
  })

  test('an oversized chunked body (no Content-Length) is cut off with 413', async () => {
    const big = new TextEncoder().encode(JSON.stringify({ ...ok, input: 'a'.repeat(10_000) }))
    const body = new ReadableStream({
      start(controller) {
        for (let i = 0; i < big.length; i += 1000) controller.enqueue(big.slice(i, i + 1000))
        controller.close()
      },
    })
    const res = await openai({ method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect(res.status).toBe(413)
  })
})

describe('ElevenLabs API errors', () => {
  test('a missing text is a 422 with a detail list', async () => {
    const res = await eleven(json({ model_id: 'eleven_multilingual_v2' }))
    expect(res.status).toBe(422)
    expect(res.body.detail).toEqual([{ loc: ['body', 'text'], msg: expect.any(String), type: expect.any(String) }])
  })

  test('malformed JSON is a 422', async () => {
    const res = await eleven(json('{"text":'))
    expect(res.status).toBe(422)
  })

  test('an unknown output_format is a 400 with detail.status', async () => {
    const res = await eleven(json({ text: 'hi' }), '?output_format=mp3_1_1')
    expect(res.status).toBe(400)
    expect(res.body.detail).toEqual({ status: 'invalid_output_format', message: expect.stringContaining('pcm_16000') })
  })

  test('a bad query parameter type is a 422 that locates it in the query', async () => {
    const res = await eleven(json({ text: 'hi' }), '?optimize_streaming_latency=fast')
    expect(res.status).toBe(422)
    expect(res.body.detail).toEqual([expect.objectContaining({ loc: ['query', 'optimize_streaming_latency'] })])
  })

  test('text over the limit is a 400', async () => {
    const res = await eleven(json({ text: 'a'.repeat(201) }))
    expect(res.status).toBe(400)
    expect(res.body.detail).toMatchObject({ status: 'max_character_limit_exceeded' })
  })

  test('an unknown route under the ElevenLabs paths answers in its shape', async () => {
    const res = await fetch(`${svc.url}/v1/voices/x/y/z`)
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ detail: { status: 'not_found' } })
  })
})

test('after all of that the service still serves speech', async () => {
  const res = await fetch(`${svc.url}/v1/audio/speech`, json({ ...ok, response_format: 'wav' }))
  expect(res.status).toBe(200)
  expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000)
  expect(svc.logs.some((l) => l.status === 500)).toBe(false)
})
