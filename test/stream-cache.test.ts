/**
 * Streams use the cache, end to end: a gateway in front of a second real tts-edge (as an
 * ElevenLabs upstream, through its stream-input link). A voice agent's three-sentence
 * greeting, spoken over stream-input twice, reaches the upstream the first time only; the
 * second session is served from the cache, audio and alignment identical, and a batch
 * request of one of its sentences (same text and settings) is a hit too.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { FaultProxy } from './support/fault-proxy.ts'
import { startGatewayStack, type GatewayStack } from './support/gateway.ts'
import { metricValue } from './support/metrics.ts'
import type { RunningService } from './support/service.ts'
import { isJson, WsClient } from './support/ws-client.ts'

let stack: GatewayStack
let proxy: FaultProxy
let gateway: RunningService
let upstream: RunningService

beforeAll(async () => {
  stack = await startGatewayStack((proxyUrl) => ({ engines: { el: { kind: 'elevenlabs', url: proxyUrl } }, default: 'el' }))
  ;({ proxy, gateway, upstream } = stack)
}, 120_000)

afterAll(() => stack?.stop(), 30_000)

const GREETING = 'Hello, and thanks for calling. I am the assistant for this line. How can I help you today?'

interface Heard {
  audio: string[]
  alignment: unknown[]
}

/** One stream-input session speaking the greeting word by word, as an LLM would stream it. */
async function speakGreeting(query = ''): Promise<Heard> {
  const client = new WsClient(`${gateway.url.replace(/^http/, 'ws')}/v1/text-to-speech/el:en-us-f1/stream-input?output_format=pcm_16000&auto_mode=true${query}`)
  await client.opened
  client.send({ text: ' ', voice_settings: { stability: 0.4, speed: 1 } })
  for (const word of GREETING.split(' ')) client.send({ text: `${word} ` })
  client.send({ text: '' })
  await client.next(isJson((j) => j.isFinal === true))
  expect((await client.closed).code).toBe(1000)
  const messages = client.json().filter((m) => typeof m.audio === 'string')
  return { audio: messages.map((m) => m.audio), alignment: messages.map((m) => m.alignment) }
}

const upstreamSentences = async () => (await metricValue(gateway.url, 'tts_upstream_request_duration_seconds_count{engine="el",outcome="ok"}')) || 0

test('a repeated greeting is served from the cache the second time: no upstream call, the same audio and alignment', async () => {
  const connectsBefore = proxy.accepted
  const first = await speakGreeting()
  expect(await upstreamSentences()).toBe(3)
  expect(proxy.accepted).toBeGreaterThan(connectsBefore)
  const chars = first.alignment.flatMap((a) => (a as { chars: string[] }).chars).join('')
  // Every character of the greeting is aligned (the spaces between sentences belong to no utterance).
  expect(chars.replaceAll(/\s+/g, '')).toBe(GREETING.replaceAll(/\s+/g, ''))

  const connectsAfterFirst = proxy.accepted
  const second = await speakGreeting()
  expect(proxy.accepted).toBe(connectsAfterFirst)
  expect(await upstreamSentences()).toBe(3)
  expect(second.alignment).toEqual(first.alignment)
  expect(second.audio).toEqual(first.audio)
  // The upstream heard one session, the first.
  expect(upstream.logs.filter((l) => l.msg === 'session started' && l.route === '/v1/text-to-speech/:voice_id/stream-input')).toHaveLength(1)
})

test('what an utterance is keyed by includes the text before it: the same sentence after another one is spoken again', async () => {
  const before = await upstreamSentences()
  const client = new WsClient(`${gateway.url.replace(/^http/, 'ws')}/v1/text-to-speech/el:en-us-f1/stream-input?output_format=pcm_16000&auto_mode=true`)
  await client.opened
  client.send({ text: ' ', voice_settings: { stability: 0.4, speed: 1 } })
  // The greeting's second sentence, but first in this session: another context, so not the cached audio.
  client.send({ text: 'I am the assistant for this line. ', flush: true })
  client.send({ text: '' })
  await client.next(isJson((j) => j.isFinal === true))
  expect(await upstreamSentences()).toBe(before + 1)
})

test('other voice settings are other audio: the greeting with another stability reaches the upstream again', async () => {
  const before = await upstreamSentences()
  const client = new WsClient(`${gateway.url.replace(/^http/, 'ws')}/v1/text-to-speech/el:en-us-f1/stream-input?output_format=pcm_16000&auto_mode=true`)
  await client.opened
  client.send({ text: ' ', voice_settings: { stability: 0.9 } })
  client.send({ text: `${GREETING} ` })
  client.send({ text: '' })
  await client.next(isJson((j) => j.isFinal === true))
  expect(await upstreamSentences()).toBe(before + 3)
})
