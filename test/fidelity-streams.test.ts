/**
 * Request fidelity on the streaming routes, against a real gateway with a recording upstream
 * standing for ElevenLabs: stream-input's query and opening message reach the upstream's
 * stream-input link (per context on multi-stream-input), with-timestamps is cached with its
 * alignment, and bad parameters on a socket are ElevenLabs' 422 before the upgrade or its
 * error message and close 1008 after.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startGateway } from './support/gateway.ts'
import { startRecordingUpstream, type RecordingUpstream } from './support/recording-upstream.ts'
import type { RunningService } from './support/service.ts'
import { isJson, WsClient } from './support/ws-client.ts'

let upstream: RecordingUpstream
let gateway: RunningService
let ws: string
/** A dictionary of the gateway's own, for the locators sessions send. */
let dictionary: { pronunciation_dictionary_id: string; version_id: string }

beforeAll(async () => {
  upstream = startRecordingUpstream()
  gateway = await startGateway({
    engines: { eleven: { kind: 'elevenlabs', url: upstream.url }, local: { kind: 'espeak', variant: 'espeak-wasm' } },
    default: 'local',
  })
  ws = gateway.url.replace(/^http/, 'ws')
  const made = await fetch(`${gateway.url}/v1/pronunciation-dictionaries/add-from-rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'links', rules: [{ type: 'alias', string_to_replace: 'Linked', alias: 'Joined' }] }),
  })
  const { id, version_id } = (await made.json()) as { id: string; version_id: string }
  dictionary = { pronunciation_dictionary_id: id, version_id }
}, 60_000)

afterAll(async () => {
  await gateway?.stop()
  upstream?.stop()
})

const unique = () => crypto.randomUUID().slice(0, 8)
const QUERY = 'model_id=eleven_flash_v2_5&language_code=de&seed=12&apply_text_normalization=off&enable_ssml_parsing=true&output_format=pcm_16000&auto_mode=true'

describe('stream-input and multi-stream-input on an ElevenLabs voice', () => {
  test("the link to the upstream carries the session's query and opening message as sent, the gateway's dictionaries applied", async () => {
    const tag = unique()
    const text = `Linked with every setting ${tag}. `
    const client = new WsClient(`${ws}/v1/text-to-speech/eleven:af_bella/stream-input?${QUERY}`)
    await client.opened
    client.send({
      text: ' ',
      voice_settings: { stability: 0.25, similarity_boost: 0.6, style: 0.1, use_speaker_boost: true, speed: 1.2 },
      generation_config: { chunk_length_schedule: [50, 90] },
      pronunciation_dictionary_locators: [dictionary],
    })
    client.send({ text, flush: true })
    client.send({ text: '' })
    await client.next(isJson((j) => j.isFinal === true))
    // Applied here (ElevenLabs knows none of the gateway's dictionaries), so not sent on.
    const link = upstream.matching(/\/stream-input$/).find((r) => r.messages.some((m) => m.text === `Joined with every setting ${tag}. `))!
    expect(link.path).toBe('/v1/text-to-speech/af_bella/stream-input')
    expect(link.query).toEqual({ model_id: 'eleven_flash_v2_5', output_format: 'pcm_24000', language_code: 'de', seed: '12', apply_text_normalization: 'off', enable_ssml_parsing: 'true' })
    expect(link.messages[0]).toEqual({
      text: ' ',
      voice_settings: { stability: 0.25, similarity_boost: 0.6, style: 0.1, use_speaker_boost: true, speed: 1.2 },
      generation_config: { chunk_length_schedule: [50, 90] },
    })
  })

  test('each context of multi-stream-input opens its own link with its own settings', async () => {
    const tag = unique()
    const client = new WsClient(`${ws}/v1/text-to-speech/eleven:af_sky/multi-stream-input?${QUERY}`)
    await client.opened
    client.send({ text: ' ', context_id: 'calm', voice_settings: { stability: 0.9 } })
    client.send({ text: ' ', context_id: 'lively', voice_settings: { stability: 0.1, style: 0.8 }, pronunciation_dictionary_locators: [{ pronunciation_dictionary_id: dictionary.pronunciation_dictionary_id }] })
    client.send({ text: `Calm words ${tag}. `, context_id: 'calm', flush: true })
    client.send({ text: `Lively words ${tag}. `, context_id: 'lively', flush: true })
    client.send({ close_socket: true })
    expect((await client.closed).code).toBe(1000)
    const linkOf = (text: string) => upstream.matching(/\/stream-input$/).find((r) => r.messages.some((m) => m.text === text))!
    expect(linkOf(`Calm words ${tag}. `).messages[0]).toEqual({ text: ' ', voice_settings: { stability: 0.9 } })
    expect(linkOf(`Lively words ${tag}. `).messages[0]).toEqual({ text: ' ', voice_settings: { stability: 0.1, style: 0.8 } })
    expect(linkOf(`Calm words ${tag}. `)).not.toBe(linkOf(`Lively words ${tag}. `))
  })
})

test('on the embedded engine, the settings it does not honour are named on the session settings line', async () => {
  const client = new WsClient(`${ws}/v1/text-to-speech/local:en-us-f1/stream-input?seed=5&language_code=en`)
  await client.opened
  client.send({ text: ' ', voice_settings: { stability: 0.3, use_speaker_boost: true } })
  client.send({ text: 'Hello there. ', flush: true })
  client.send({ text: '' })
  await client.next(isJson((j) => j.isFinal === true))
  const line = await gateway.waitForLog((l) => l.msg === 'session settings' && l.voice === 'local:en-us-f1')
  expect(line.ignored).toEqual(['stability', 'use_speaker_boost'])
})

describe('with-timestamps', () => {
  test('is cached with its alignment: the repeat is a hit, byte and timing identical, and never reaches the upstream', async () => {
    const text = `Timed and kept ${unique()}.`
    const ask = async (voice: string) => {
      const res = await fetch(`${gateway.url}/v1/text-to-speech/${voice}/with-timestamps?output_format=pcm_16000`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text, voice_settings: { stability: 0.5 } }),
      })
      expect(res.status).toBe(200)
      return { cache: res.headers.get('x-cache'), requestId: res.headers.get('request-id'), json: await res.json() }
    }
    for (const voice of ['local:en-us-f1', 'eleven:af_bella']) {
      const before = upstream.matching(/with-timestamps$/).length
      const first = await ask(voice)
      const second = await ask(voice)
      expect([first.cache, second.cache]).toEqual(['MISS', 'HIT'])
      expect(second.json).toEqual(first.json)
      expect((first.json as { alignment: { characters: string[] } }).alignment.characters.join('')).toBe(text)
      if (voice.startsWith('eleven:')) {
        expect(upstream.matching(/with-timestamps$/).length).toBe(before + 1)
        expect(second.requestId).toBe(first.requestId)
      }
    }
  })
})

describe('bad parameters on a socket', () => {
  test('a bad query is a 422 in the ElevenLabs shape before any upgrade', async () => {
    for (const query of ['seed=-1', 'seed=4294967296', 'apply_text_normalization=always', 'language_code=not%20a%20code', 'enable_ssml_parsing=yes']) {
      const res = await fetch(`${gateway.url}/v1/text-to-speech/eleven:af_bella/stream-input?${query}`, { headers: { upgrade: 'websocket', connection: 'upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' } })
      expect(res.status).toBe(422)
      const body = (await res.json()) as { detail: { loc: string[] }[] }
      expect(body.detail[0]!.loc).toEqual(['query', query.split('=')[0]!])
    }
  })

  test.each([
    ['four dictionary locators', { pronunciation_dictionary_locators: [1, 2, 3, 4].map((i) => ({ pronunciation_dictionary_id: `d${i}` })) }],
    ['a stability of the wrong type', { voice_settings: { stability: 'high' } }],
    ['a locator without its id', { pronunciation_dictionary_locators: [{ version_id: 'v1' }] }],
  ])('%s in the opening message: an error message, then close 1008', async (_name, opening) => {
    const client = new WsClient(`${ws}/v1/text-to-speech/local:en-us-f1/stream-input`)
    await client.opened
    client.send({ text: ' ', ...opening })
    const error = await client.next(isJson((j) => j.code === 1008))
    expect(error.kind === 'text' && error.json).toMatchObject({ error: 'invalid_message', message: expect.any(String) })
    expect((await client.closed).code).toBe(1008)
  })

  test('a language espeak does not speak is its error message and close 1008', async () => {
    const client = new WsClient(`${ws}/v1/text-to-speech/local:en-us-f1/stream-input?language_code=xx`)
    await client.opened
    client.send({ text: ' ' })
    client.send({ text: 'Hello there. ', flush: true })
    const error = await client.next(isJson((j) => j.code === 1008))
    expect(error.kind === 'text' && error.json).toMatchObject({ error: 'unsupported_language', message: expect.stringContaining("'xx'") })
    expect((await client.closed).code).toBe(1008)
  })
})
