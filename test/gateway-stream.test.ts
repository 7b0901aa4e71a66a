/**
 * Streaming sessions (/v1/stream, ElevenLabs stream-input) on upstream voices through a
 * gateway in front of a second real tts-edge: one upstream call per sentence (OpenAI-compatible
 * upstreams) or one upstream stream-input socket per session (ElevenLabs upstreams), audio in
 * order, cancel aborting what is in flight, failover mid-session from the first unspoken sentence.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { FaultProxy } from './support/fault-proxy.ts'
import { startGatewayStack, type GatewayStack } from './support/gateway.ts'
import { metricValue } from './support/metrics.ts'
import type { RunningService } from './support/service.ts'
import { waitUntil } from './support/wait.ts'
import { isJson, WsClient } from './support/ws-client.ts'

let stack: GatewayStack
let proxy: FaultProxy
let gateway: RunningService

beforeAll(async () => {
  stack = await startGatewayStack((proxyUrl, upstreamUrl) => ({
    engines: {
      // Refusals here must not open the circuit for the tests after them (gateway-faults.test.ts tests it).
      up: { kind: 'openai', url: `${proxyUrl}/v1`, breaker_failures: 1000 },
      el: { kind: 'elevenlabs', url: upstreamUrl },
      elp: { kind: 'elevenlabs', url: proxyUrl, breaker_failures: 1000 },
      local: { kind: 'espeak' },
    },
    default: 'up',
    fallback: ['local'],
  }))
  ;({ proxy, gateway } = stack)
}, 120_000)

afterAll(() => stack?.stop(), 30_000)

describe('streaming sessions on an upstream voice', () => {
  const ws = () => gateway.url.replace(/^http/, 'ws')
  const upstreamCalls = async (outcome: string) =>
    (await metricValue(gateway.url, `tts_upstream_request_duration_seconds_count{engine="up",outcome="${outcome}"}`)) || 0
  const seconds = (frames: Uint8Array[]) => frames.reduce((n, f) => n + (f.length - 4) / 2, 0) / 24000

  test('/v1/stream sends each sentence upstream as it completes and keeps the audio in order', async () => {
    const before = await upstreamCalls('ok')
    const client = new WsClient(`${ws()}/v1/stream`)
    await client.opened
    client.send({ type: 'start', voice: 'up:en-us-f1', format: 'pcm', sample_rate: 24000 })
    await client.next(isJson((j) => j.type === 'started'))
    const text = 'The first sentence goes up alone. The second follows it. And a third one closes the stream.'
    for (const word of text.split(' ')) client.send({ type: 'text', text: `${word} ` })
    client.send({ type: 'close' })
    await client.next(isJson((j) => j.type === 'end'))
    expect((await client.closed).code).toBe(1000)
    const frames = client.binary()
    const seqs = frames.map((f) => new DataView(f.buffer, f.byteOffset).getUint32(0))
    expect(seqs).toEqual(seqs.map((_, i) => i))
    expect(seconds(frames)).toBeGreaterThan(3)
    expect((await upstreamCalls('ok')) - before).toBe(3)
  })

  test('cancel aborts the upstream requests in flight', async () => {
    const before = await upstreamCalls('cancelled')
    // Trickled bytes keep the upstream calls open long enough to be cancelled mid-way.
    proxy.mode = { kind: 'slow', bytesPerTick: 2048, tickMs: 20 }
    try {
      const client = new WsClient(`${ws()}/v1/stream`)
      await client.opened
      client.send({ type: 'start', voice: 'up:en-us-m1', format: 'pcm', sample_rate: 24000 })
      await client.next(isJson((j) => j.type === 'started'))
      client.send({ type: 'text', text: 'A long first sentence that takes a while to trickle through. A second one. A third one. ' })
      client.send({ type: 'flush' })
      await client.next((m) => m.kind === 'binary')
      client.send({ type: 'cancel' })
      await client.next(isJson((j) => j.type === 'cancelled'))
      await waitUntil(async () => (await upstreamCalls('cancelled')) > before, 10_000, 'the upstream calls cancelled')
      client.send({ type: 'close' })
      await client.closed
    } finally {
      proxy.mode = { kind: 'pass' }
    }
  }, 30_000)

  test('a failover mid-session resumes with the first unspoken sentence on the fallback engine', async () => {
    const client = new WsClient(`${ws()}/v1/stream`)
    await client.opened
    client.send({ type: 'start', voice: 'up:en-us-f1', format: 'pcm', sample_rate: 24000 })
    await client.next(isJson((j) => j.type === 'started'))
    const done = await upstreamCalls('ok')
    client.send({ type: 'text', text: 'Spoken by the upstream. ' })
    client.send({ type: 'flush' })
    // Refusing drops open connections too: wait until the first sentence's call has ended.
    await waitUntil(async () => (await upstreamCalls('ok')) > done, 10_000, 'the first sentence spoken upstream')
    await client.next((m) => m.kind === 'binary')
    const firstPart = seconds(client.binary())
    proxy.mode = { kind: 'refuse' }
    try {
      client.send({ type: 'text', text: 'Then the upstream is gone, so the fallback speaks this. And this.' })
      client.send({ type: 'close' })
      await client.next(isJson((j) => j.type === 'end'))
      expect((await client.closed).code).toBe(1000)
    } finally {
      proxy.mode = { kind: 'pass' }
    }
    const frames = client.binary()
    const seqs = frames.map((f) => new DataView(f.buffer, f.byteOffset).getUint32(0))
    expect(seqs).toEqual(seqs.map((_, i) => i))
    // The two later sentences, once each: far more than the first alone, far less than all of it twice.
    expect(seconds(frames)).toBeGreaterThan(firstPart * 2.5)
    expect(seconds(frames)).toBeLessThan(firstPart * 8)
    expect(await metricValue(gateway.url, 'tts_fallback_total{from="up",to="local"}')).toBeGreaterThanOrEqual(1)
  }, 20_000)

  const upstreamSessions = async (what: 'created' | 'ended') =>
    (await metricValue(stack.upstream.url, `streaming_${what}_total{vendor="elevenlabs"}`)) || 0

  test('ElevenLabs stream-input on an ElevenLabs voice speaks through one upstream stream-input socket, closed at the end', async () => {
    const [opened, closed] = [await upstreamSessions('created'), await upstreamSessions('ended')]
    const firstBytes = (await metricValue(gateway.url, 'tts_upstream_first_byte_seconds_count{engine="el"}')) || 0
    const client = new WsClient(`${ws()}/v1/text-to-speech/el:en-gb-m1/stream-input?output_format=pcm_16000&auto_mode=true`)
    await client.opened
    const text = 'A voice from the upstream. Spoken sentence by sentence. Then the end.'
    client.send({ text: ' ' })
    for (const word of text.split(' ')) client.send({ text: `${word} `, try_trigger_generation: true })
    client.send({ text: '' })
    await client.next(isJson((j) => j.isFinal === true))
    expect((await client.closed).code).toBe(1000)
    const audio = client.json().filter((j) => j.audio)
    const pcmBytes = audio.reduce((n, a) => n + Buffer.from(a.audio, 'base64').length, 0)
    expect(pcmBytes / 2 / 16000).toBeGreaterThan(2)
    expect(audio.flatMap((a) => a.alignment.chars).join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''))
    // One upstream session for the three sentences (each timed to its first audio), closed once ours is.
    expect((await upstreamSessions('created')) - opened).toBe(1)
    expect(((await metricValue(gateway.url, 'tts_upstream_first_byte_seconds_count{engine="el"}')) || 0) - firstBytes).toBe(3)
    await waitUntil(async () => (await upstreamSessions('ended')) - closed === 1, 10_000, 'the upstream session closed')
  })

  test('a cancel on an ElevenLabs voice closes its upstream socket; the next sentence opens another', async () => {
    const [opened, closed] = [await upstreamSessions('created'), await upstreamSessions('ended')]
    const client = new WsClient(`${ws()}/v1/stream`)
    await client.opened
    client.send({ type: 'start', voice: 'el:en-us-f1', format: 'pcm', sample_rate: 24000 })
    await client.next(isJson((j) => j.type === 'started'))
    client.send({ type: 'text', text: 'A long first sentence, to be interrupted before it is over. And more after it. ' })
    client.send({ type: 'flush' })
    await client.next((m) => m.kind === 'binary')
    client.send({ type: 'cancel' })
    await client.next(isJson((j) => j.type === 'cancelled'))
    await waitUntil(async () => (await upstreamSessions('ended')) - closed >= 1, 10_000, 'the cancelled upstream session closed')
    const from = client.messages.length
    client.send({ type: 'text', text: 'Spoken after the cancel. ' })
    client.send({ type: 'close' })
    await client.next(isJson((j) => j.type === 'end'), from)
    expect(client.messages.slice(from).some((m) => m.kind === 'binary')).toBe(true)
    expect((await upstreamSessions('created')) - opened).toBe(2)
    await waitUntil(async () => (await upstreamSessions('ended')) - closed === 2, 10_000, 'both upstream sessions closed')
  })

  test('an ElevenLabs upstream that refuses its stream-input socket: the fallback speaks, the session goes on', async () => {
    proxy.mode = { kind: 'refuse' }
    try {
      const client = new WsClient(`${ws()}/v1/stream`)
      await client.opened
      client.send({ type: 'start', voice: 'elp:en-us-f1', format: 'pcm', sample_rate: 24000 })
      await client.next(isJson((j) => j.type === 'started'))
      client.send({ type: 'text', text: 'The upstream socket is refused. The fallback speaks instead. ' })
      client.send({ type: 'close' })
      await client.next(isJson((j) => j.type === 'end'))
      expect((await client.closed).code).toBe(1000)
      expect(client.binary().length).toBeGreaterThan(0)
    } finally {
      proxy.mode = { kind: 'pass' }
    }
    expect(await metricValue(gateway.url, 'tts_fallback_total{from="elp",to="local"}')).toBeGreaterThanOrEqual(1)
    expect(await metricValue(gateway.url, 'tts_upstream_errors_total{engine="elp",reason="connect"}')).toBeGreaterThanOrEqual(1)
  })

  test('multi-stream-input: each context has its own upstream socket, released by close_context', async () => {
    const [opened, closed] = [await upstreamSessions('created'), await upstreamSessions('ended')]
    const client = new WsClient(`${ws()}/v1/text-to-speech/el:en-us-m1/multi-stream-input?output_format=pcm_16000`)
    await client.opened
    client.send({ text: ' ', context_id: 'a' })
    client.send({ text: 'First context speaking. ', context_id: 'a', flush: true })
    client.send({ text: ' ', context_id: 'b' })
    client.send({ text: 'Second context speaking. ', context_id: 'b', flush: true })
    await client.next(isJson((j) => j.contextId === 'a' && typeof j.audio === 'string'))
    await client.next(isJson((j) => j.contextId === 'b' && typeof j.audio === 'string'))
    expect((await upstreamSessions('created')) - opened).toBe(2)
    client.send({ context_id: 'a', close_context: true })
    await waitUntil(async () => (await upstreamSessions('ended')) - closed === 1, 10_000, "context a's upstream socket closed")
    client.send({ close_socket: true })
    expect((await client.closed).code).toBe(1000)
    await waitUntil(async () => (await upstreamSessions('ended')) - closed === 2, 10_000, 'both upstream sockets closed')
  })
})
