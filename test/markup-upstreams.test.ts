/**
 * What each upstream kind is sent for each kind of markup, seen by a recording upstream behind
 * a real gateway: ElevenLabs gets <break> and <phoneme> inline and words for the rest; an
 * OpenAI-compatible server gets text pieces (the pauses are ours) with phonemes in its declared
 * syntax, or the written word and `X-TTS-Ignored: phoneme`. And through a real second tts-edge as
 * the `openai` upstream, a one-second break is one second of silence.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startGateway } from './support/gateway.ts'
import { startRecordingUpstream, type RecordingUpstream } from './support/recording-upstream.ts'
import { startService, type RunningService } from './support/service.ts'
import { longestSilence } from './support/silence.ts'
import { isJson, WsClient } from './support/ws-client.ts'

let upstream: RecordingUpstream
let gateway: RunningService

beforeAll(async () => {
  upstream = startRecordingUpstream()
  gateway = await startGateway({
    engines: {
      eleven: { kind: 'elevenlabs', url: upstream.url, stream_input: false },
      linked: { kind: 'elevenlabs', url: upstream.url },
      kokoro: { kind: 'openai', url: `${upstream.url}/v1`, phoneme_syntax: 'kokoro' },
      plain: { kind: 'openai', url: `${upstream.url}/v1` },
      raw: { kind: 'openai', url: `${upstream.url}/v1`, normalizes_text: false },
      local: { kind: 'espeak', variant: 'espeak-wasm' },
    },
    default: 'local',
  })
}, 60_000)
afterAll(async () => {
  await gateway?.stop()
  upstream?.stop()
})

const tag = () => crypto.randomUUID().replace(/[^a-f]/g, '').slice(0, 6)
const ssml = (word: string) =>
  `<speak>Say <phoneme alphabet="ipa" ph="təˈmɑːtəʊ">tomato</phoneme> <break time="500ms"/> <prosody rate="slow">slowly</prosody> ` +
  `<say-as interpret-as="characters">ab</say-as> <sub alias="World Wide Web">WWW</sub> ${word}.</speak>`

async function speak(voice: string, input: string): Promise<Response> {
  const res = await fetch(`${gateway.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice, input, response_format: 'pcm' }),
  })
  expect(res.status).toBe(200)
  await res.arrayBuffer()
  return res
}

describe('what each upstream kind receives', () => {
  test('elevenlabs: <break> and <phoneme> inline, everything else words; prosody named as ignored', async () => {
    const word = tag()
    const res = await speak('eleven:af_bella', ssml(word))
    const sent = upstream.matching(/^\/v1\/text-to-speech\//).map((r) => r.body?.text).filter((t) => typeof t === 'string' && t.includes(word))
    expect(sent).toEqual([`Say <phoneme alphabet="ipa" ph="təˈmɑːtəʊ">tomato</phoneme> <break time="0.5s" /> slowly A-B World Wide Web ${word}.`])
    expect(res.headers.get('x-tts-ignored')).toBe('ssml:prosody')
  })

  test('openai with phoneme_syntax kokoro: a request per piece between pauses, phonemes as [word](/ipa/)', async () => {
    const word = tag()
    const res = await speak('kokoro:af_bella', ssml(word))
    const calls = upstream.matching(/^\/v1\/audio\/speech$/).map((r) => r.body?.input as string)
    const first = calls.findIndex((t) => t === 'Say [tomato](/təˈmɑːtəʊ/)')
    expect(first).toBeGreaterThanOrEqual(0)
    expect(calls.slice(first, first + 2)).toEqual(['Say [tomato](/təˈmɑːtəʊ/)', `slowly A-B World Wide Web ${word}.`])
    expect(res.headers.get('x-tts-ignored')).toBe('ssml:prosody')
  })

  test('openai without a phoneme syntax: the written word, and phoneme named as ignored', async () => {
    const word = tag()
    const res = await speak('plain:af_bella', ssml(word).replace('Say', `Say ${word}`))
    const calls = upstream.matching(/^\/v1\/audio\/speech$/).map((r) => r.body?.input as string)
    expect(calls).toContain(`Say ${word} tomato`)
    expect(res.headers.get('x-tts-ignored')?.split(',').toSorted()).toEqual(['phoneme', 'ssml:prosody'])
  })

  test('emphasis, lang, p and s: words with sentence ends on both kinds; emphasis and lang named as ignored', async () => {
    const word = tag()
    const input = `<speak><p><s>One <emphasis level="strong">big</emphasis> step</s><s><lang xml:lang="fr-FR">Bonjour</lang> ${word}</s></p><p>Last one</p></speak>`
    for (const [voice, path, field] of [['eleven:af_bella', /^\/v1\/text-to-speech\//, 'text'], ['kokoro:af_bella', /^\/v1\/audio\/speech$/, 'input']] as const) {
      const res = await speak(voice, input)
      const sent = upstream.matching(path).map((r) => r.body?.[field]).filter((t) => typeof t === 'string' && t.includes(word))
      expect(sent).toEqual([`One big step. Bonjour ${word}. Last one.`])
      expect(res.headers.get('x-tts-ignored')?.split(',').toSorted()).toEqual(['ssml:emphasis', 'ssml:lang'])
    }
  })

  test('clean-up for upstreams: markdown goes unless off; numbers become words for one that says normalizes_text: false, or when on', async () => {
    const sent = async (voice: string, extra: Record<string, unknown> = {}) => {
      const word = tag()
      const res = await fetch(`${gateway.url}/v1/text-to-speech/${voice}?output_format=pcm_24000`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `**Total** ${word}: $3.50.`, ...extra }),
      })
      expect(res.status).toBe(200)
      await res.arrayBuffer()
      return upstream.matching(/^\/v1\/audio\/speech$/).map((r) => r.body?.input).find((t): t is string => typeof t === 'string' && t.includes(word))?.replace(word, 'W')
    }
    expect(await sent('plain:af_bella')).toBe('Total W: $3.50.')
    expect(await sent('raw:af_bella')).toBe('Total W: three dollars and fifty cents.')
    expect(await sent('plain:af_bella', { apply_text_normalization: 'on' })).toBe('Total W: three dollars and fifty cents.')
    expect(await sent('raw:af_bella', { apply_text_normalization: 'off' })).toBe('**Total** W: $3.50.')
  })

  test('an elevenlabs stream-input link parses SSML: inline tags, the words escaped', async () => {
    const word = tag()
    const client = new WsClient(`${gateway.url.replace(/^http/, 'ws')}/v1/text-to-speech/linked:af_bella/stream-input?enable_ssml_parsing=true`)
    await client.opened
    client.send({ text: ' ' })
    client.send({ text: `Tom &amp; Jerry ${word} <break time="1s"/> again. ` })
    client.send({ text: '' })
    await client.next(isJson((j) => j.isFinal === true))
    const link = upstream.matching(/\/stream-input$/).find((r) => r.messages.some((m) => String(m.text).includes(word)))!
    expect(link.query.enable_ssml_parsing).toBe('true')
    expect(link.messages.map((m) => m.text)).toContain(`Tom &amp; Jerry ${word} <break time="1s" /> again. `)
  })
})

describe('a second tts-edge as the openai upstream', () => {
  let second: RunningService
  let front: RunningService
  beforeAll(async () => {
    second = await startService({ TTS_ENGINE: 'espeak-wasm' })
    front = await startGateway({ engines: { edge: { kind: 'openai', url: `${second.url}/v1` } }, default: 'edge' })
  }, 60_000)
  afterAll(async () => {
    await front?.stop()
    await second?.stop()
  })

  test('<break time="1s"/> is one second of silence between its pieces, to within 20 ms', async () => {
    const res = await fetch(`${front.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'en-us-f1', input: '<speak>Hello there. <break time="1s"/> Welcome back.</speak>', response_format: 'pcm' }),
    })
    expect(res.status).toBe(200)
    const bytes = new Uint8Array(await res.arrayBuffer())
    const pause = longestSilence(new Int16Array(bytes.buffer, 0, bytes.byteLength >> 1), 24000)
    expect(Math.abs(pause.seconds - 1)).toBeLessThanOrEqual(0.02)
  })
})
