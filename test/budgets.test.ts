/**
 * Budgets on one node (issue #18): a key with a character budget is refused exactly when the
 * next request would pass it, in each API's shape; requests in flight at once cannot pass it
 * between them; a socket past its budget speaks what it had accepted, then closes 1008. Keys
 * may use only their engines and voices.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js'
import OpenAI from 'openai'
import { keysFile, newKey } from './support/keys-file.ts'
import { startService, type RunningService } from './support/service.ts'
import { WsClient } from './support/ws-client.ts'

const SEQUENTIAL = newKey('sequential')
const CONCURRENT = newKey('concurrent')
const SOCKET = newKey('socket')
const RESTRICTED = newKey('restricted')
const BUDGET = 100

let svc: RunningService
beforeAll(async () => {
  const file = keysFile([
    { id: 'sequential', key: SEQUENTIAL, budget: { characters_per_month: BUDGET } },
    { id: 'concurrent', key: CONCURRENT, budget: { characters_per_month: BUDGET } },
    { id: 'socket', key: SOCKET, budget: { characters_per_month: 60 } },
    { id: 'restricted', key: RESTRICTED, voices: ['en-gb'] },
  ])
  svc = await startService({ TTS_KEYS_FILE: file.path, TTS_MAX_CONCURRENCY: '1' })
})
afterAll(async () => {
  await svc?.stop()
})

/** A text of exactly `n` characters (a sentence, so it is spoken). */
const text = (n: number, tag: string) => `${tag} ${'a'.repeat(Math.max(0, n - tag.length - 2))}.`.slice(0, n)
const speech = (key: string, input: string) =>
  fetch(`${svc.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input, response_format: 'pcm' }),
  })

describe('a character budget on one node', () => {
  test('is refused exactly when the next request would pass it, in OpenAI and ElevenLabs shapes', async () => {
    const ok = async (n: number, tag: string) => {
      const res = await speech(SEQUENTIAL, text(n, tag))
      await res.arrayBuffer()
      return res.status
    }
    expect(await ok(40, 'one')).toBe(200)
    expect(await ok(40, 'two')).toBe(200)
    // 80 used: 21 more would make 101.
    const over = await speech(SEQUENTIAL, text(21, 'three'))
    expect(over.status).toBe(429)
    expect(over.headers.get('x-should-retry')).toBe('false')
    expect((await over.json()).error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' })
    // A cache hit counts too: the same 20 characters twice make exactly 100.
    expect(await ok(10, 'four')).toBe(200)
    expect(await ok(10, 'four')).toBe(200)
    // Nothing left: not even one more character, on either API.
    const openai = new OpenAI({ apiKey: SEQUENTIAL, baseURL: `${svc.url}/v1`, maxRetries: 0 })
    const refused = await openai.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'A' }).then(
      () => undefined,
      (err: { status: number; code: string }) => err,
    )
    expect(refused).toMatchObject({ status: 429, code: 'insufficient_quota' })
    const eleven = new ElevenLabsClient({ baseUrl: svc.url, apiKey: SEQUENTIAL, maxRetries: 0 })
    const err = await eleven.textToSpeech.convert('en-us-f1', { text: 'A' }).then(
      () => undefined,
      (e: unknown) => e as ElevenLabsError & { body: any },
    )
    expect(err).toBeInstanceOf(ElevenLabsError)
    expect(err!.statusCode).toBe(401)
    expect(err!.body.detail.status).toBe('quota_exceeded')
    // The subscription says so, in ElevenLabs' words.
    const subscription = await eleven.user.subscription.get()
    expect({ count: subscription.characterCount, limit: subscription.characterLimit }).toEqual({ count: BUDGET, limit: BUDGET })
    // And user.get(), the other way the SDK reads it: the key's id, with the same subscription.
    const user = await eleven.user.get()
    expect({ id: user.userId, count: user.subscription.characterCount, limit: user.subscription.characterLimit }).toEqual({ id: 'sequential', count: BUDGET, limit: BUDGET })
  })

  test('requests in flight at once cannot pass it between them', async () => {
    // Twelve at once, 30 characters each: the budget has room for three.
    const results = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const res = await speech(CONCURRENT, text(30, `at once ${i}`))
        await res.arrayBuffer()
        return res.status
      }),
    )
    expect(results.filter((s) => s === 200)).toHaveLength(3)
    expect(results.filter((s) => s === 429)).toHaveLength(9)
  })
})

describe('a socket past its budget', () => {
  test('speaks what it had accepted, then closes 1008 with quota_exceeded', async () => {
    const client = new WsClient(`${svc.url.replace(/^http/, 'ws')}/v1/text-to-speech/en-us-f1/stream-input?output_format=pcm_16000&auto_mode=true`)
    await client.opened
    client.send({ text: ' ', 'xi-api-key': SOCKET })
    const first = 'This sentence fits in the budget.'
    client.send({ text: `${first} `, flush: true })
    // 33 of 60 used: the next 40 would pass it.
    client.send({ text: `${text(40, 'over')} ` })
    const closed = await client.closed
    const audio = client.json().filter((m) => typeof m.audio === 'string')
    expect(audio.length).toBeGreaterThan(0)
    const error = client.json().find((m) => m.error)
    expect(error).toMatchObject({ error: 'quota_exceeded', code: 1008 })
    expect(closed.code).toBe(1008)
    expect(closed.reason).toContain('characters this month')
    // The next socket is refused at its first words.
    const next = new WsClient(`${svc.url.replace(/^http/, 'ws')}/v1/stream`, { authorization: `Bearer ${SOCKET}` })
    await next.opened
    next.send({ type: 'start', voice: 'en-us-f1' })
    next.send({ type: 'text', text: `${text(30, 'again')} ` })
    expect((await next.closed).code).toBe(1008)
    expect(next.json().find((m) => m.type === 'error')).toMatchObject({ code: 'quota_exceeded' })
  })
})

describe('engines and voices a key may use', () => {
  test('another voice is a 403 in the API shape; on a socket, a 1008', async () => {
    // alloy is an en-us voice: not this key's.
    const openai = await speech(RESTRICTED, 'Not this voice.')
    expect(openai.status).toBe(403)
    expect((await openai.json()).error).toMatchObject({ code: 'voice_not_allowed', param: 'voice' })
    const res = await fetch(`${svc.url}/v1/text-to-speech/en-us-f1`, {
      method: 'POST',
      headers: { 'xi-api-key': RESTRICTED, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Not this voice.' }),
    })
    expect(res.status).toBe(403)
    expect((await res.json()).detail.status).toBe('voice_not_allowed')
    const gb = await fetch(`${svc.url}/v1/text-to-speech/en-gb-m1`, {
      method: 'POST',
      headers: { 'xi-api-key': RESTRICTED, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'This voice is fine.' }),
    })
    expect(gb.status).toBe(200)
    const socket = new WsClient(`${svc.url.replace(/^http/, 'ws')}/v1/stream`, { authorization: `Bearer ${RESTRICTED}` })
    await socket.opened
    socket.send({ type: 'start', voice: 'en-us-f1' })
    expect((await socket.closed).code).toBe(1008)
    expect(socket.json().find((m) => m.type === 'error')).toMatchObject({ code: 'voice_not_allowed' })
  })
})
