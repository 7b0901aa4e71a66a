/**
 * Bad input at every voice parameter, on the real app (app.request, no sockets): each is a
 * clear error in its API's own shape naming the field, never a 500.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { buildApp } from '../../test/support/in-process-app.ts'

let built: Awaited<ReturnType<typeof buildApp>>
beforeAll(async () => {
  built = await buildApp({ telemetry: false })
})
afterAll(() => built.close())

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  built.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

describe('ElevenLabs bodies: 422 with every bad field located', () => {
  const ok = { text: 'Hello.' }
  test.each([
    ['a seed below 0', { seed: -1 }, ['body', 'seed']],
    ['a seed above 4294967295', { seed: 4_294_967_296 }, ['body', 'seed']],
    ['a fractional seed', { seed: 1.5 }, ['body', 'seed']],
    ['a seed as a string', { seed: '7' }, ['body', 'seed']],
    ['a stability above 1', { voice_settings: { stability: 1.5 } }, ['body', 'voice_settings', 'stability']],
    ['use_speaker_boost as a string', { voice_settings: { use_speaker_boost: 'yes' } }, ['body', 'voice_settings', 'use_speaker_boost']],
    ['four dictionary locators', { pronunciation_dictionary_locators: Array.from({ length: 4 }, (_, i) => ({ pronunciation_dictionary_id: `d${i}` })) }, ['body', 'pronunciation_dictionary_locators']],
    ['a locator without its id', { pronunciation_dictionary_locators: [{ version_id: 'v1' }] }, ['body', 'pronunciation_dictionary_locators', 0, 'pronunciation_dictionary_id']],
    ['four previous request ids', { previous_request_ids: ['a', 'b', 'c', 'd'] }, ['body', 'previous_request_ids']],
    ['next request ids that are not strings', { next_request_ids: [1] }, ['body', 'next_request_ids', 0]],
    ['a request id with a newline', { previous_request_ids: ['a\nb'] }, ['body', 'previous_request_ids', 0]],
    ['an unknown text normalisation', { apply_text_normalization: 'sometimes' }, ['body', 'apply_text_normalization']],
    ['language text normalisation as a string', { apply_language_text_normalization: 'true' }, ['body', 'apply_language_text_normalization']],
    ['a language code that is no language code', { language_code: 'english please' }, ['body', 'language_code']],
    ['previous_text as a number', { previous_text: 3 }, ['body', 'previous_text']],
  ])('%s', async (_name, extra, loc) => {
    const res = await post('/v1/text-to-speech/en-us-f1', { ...ok, ...extra })
    expect(res.status).toBe(422)
    const body = (await res.json()) as { detail: { loc: unknown[]; msg: string; type: string }[] }
    expect(body.detail[0]).toMatchObject({ loc, msg: expect.any(String), type: expect.stringMatching(/^value_error\./) })
  })

  test('query: optimize_streaming_latency out of range and enable_logging not a boolean', async () => {
    for (const query of ['optimize_streaming_latency=5', 'enable_logging=maybe']) {
      const res = await post(`/v1/text-to-speech/en-us-f1/stream?${query}`, ok)
      expect(res.status).toBe(422)
      const body = (await res.json()) as { detail: { loc: string[] }[] }
      expect(body.detail[0]!.loc).toEqual(['query', query.split('=')[0]!])
    }
  })

  test('with-timestamps validates the same fields', async () => {
    const res = await post('/v1/text-to-speech/en-us-f1/with-timestamps', { ...ok, seed: -3 })
    expect(res.status).toBe(422)
  })
})

describe('OpenAI bodies: 400 naming the parameter', () => {
  const ok = { model: 'tts-1', voice: 'alloy', input: 'Hello.' }
  const error = async (res: Response) => ((await res.json()) as { error: { param: string; code: string; message: string; type: string } }).error

  test('instructions of the wrong type', async () => {
    const res = await post('/v1/audio/speech', { ...ok, instructions: 42 })
    expect(res.status).toBe(400)
    expect(await error(res)).toMatchObject({ param: 'instructions', type: 'invalid_request_error' })
  })

  test('a field name no engine could be told about is refused by name', async () => {
    const res = await post('/v1/audio/speech', { ...ok, 'lang code': 'a' })
    expect(res.status).toBe(400)
    expect(await error(res)).toMatchObject({ param: 'lang code', code: 'unknown_parameter' })
  })

  test('more than 32 extra fields is refused', async () => {
    const extra = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`field_${i}`, i]))
    const res = await post('/v1/audio/speech', { ...ok, ...extra })
    expect(res.status).toBe(400)
    expect((await error(res)).message).toContain('At most 32')
  })

  test('a voice mix with a part that is no voice names the part', async () => {
    const res = await post('/v1/audio/speech', { ...ok, voice: 'alloy(2)+nobody(1)' })
    expect(res.status).toBe(400)
    const err = await error(res)
    expect(err).toMatchObject({ param: 'voice', code: 'voice_not_found' })
    expect(err.message).toContain("Unknown voice 'nobody' in the mix")
  })
})
