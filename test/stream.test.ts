/**
 * Streaming over WebSocket against the real service: tts-edge's own protocol and
 * ElevenLabs' stream-input, text fed word by word as an LLM would, audio checked in
 * order with alignment, barge-in, and every kind of bad input.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { OtlpReceiver } from './support/otlp-receiver.ts'
import { metricValue } from './support/metrics.ts'
import { startService, type RunningService } from './support/service.ts'
import { bargeIn } from './support/barge-in.ts'
import { RawWsClient } from './support/raw-ws.ts'
import { waitUntil } from './support/wait.ts'
import { isJson, WsClient } from './support/ws-client.ts'

let receiver: OtlpReceiver
let svc: RunningService
let ws: string

beforeAll(async () => {
  receiver = new OtlpReceiver()
  svc = await startService({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    TTS_WS_IDLE_TIMEOUT_SECONDS: '2',
    TTS_WS_MAX_MESSAGE_BYTES: '16384',
  })
  ws = svc.url.replace(/^http/, 'ws')
})
afterAll(async () => {
  await svc.stop()
  receiver.stop()
}, 30_000)

const PARAGRAPH = 'The storm rolled in at dusk. Lights flickered across the harbour, and the boats rocked at their moorings. By midnight the rain had stopped.'
const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex')

/** Root spans of other traces that link to the session span `spanId`. */
function linkedTo(spanId: string, name: string) {
  return receiver.spans.filter((s) => s.name === name && s.links.some((l) => l.spanId === spanId))
}

async function connect(path: string, headers: Record<string, string> = {}) {
  const client = new WsClient(`${ws}${path}`, headers)
  await client.opened
  return client
}

describe('/v1/stream', () => {
  test('streams a paragraph fed word by word: ordered frames, measured alignment, one trace', async () => {
    const traceId = hex(16)
    const client = await connect('/v1/stream', { traceparent: `00-${traceId}-${hex(8)}-01` })
    client.send({ type: 'start', voice: 'en-us-f1', format: 'pcm', sample_rate: 24000, alignment: true })
    const started = (await client.next(isJson((j) => j.type === 'started'))) as { json: any }
    expect(started.json).toMatchObject({ trace_id: traceId, format: 'pcm', sample_rate: 24000, session_id: expect.any(String) })
    for (const word of PARAGRAPH.split(' ')) client.send({ type: 'text', text: `${word} ` })
    client.send({ type: 'close' })
    const end = (await client.next(isJson((j) => j.type === 'end'))) as { json: any }
    expect((await client.closed).code).toBe(1000)

    const frames = client.binary()
    const seqs = frames.map((f) => new DataView(f.buffer, f.byteOffset).getUint32(0))
    expect(seqs).toEqual(seqs.map((_, i) => i))
    expect(end.json).toMatchObject({ last_seq: seqs.length - 1, frames: seqs.length })
    const seconds = frames.reduce((n, f) => n + (f.length - 4) / 2, 0) / 24000
    expect(seconds).toBeGreaterThan(5)
    // Alignment comes before its frame, covers the words in order, and its times rise within each frame.
    const alignments = client.json().filter((j) => j.type === 'alignment')
    expect(alignments.map((a) => a.seq)).toEqual(seqs)
    // Every character of the text, in order: joined, the chars read as the client's text (a sentence after another
    // starts with the space that parted them), so captions split into the same words.
    const spoken = alignments.flatMap((a) => a.chars).join('')
    expect(spoken).toBe(PARAGRAPH)
    for (const a of alignments) expect(a.char_start_ms).toEqual([...a.char_start_ms].sort((x: number, y: number) => x - y))

    // The session span is short and in the caller's trace; each sentence is its own trace linked to it.
    await receiver.waitFor((r) => r.spans.some((s) => s.traceId === traceId && s.name === 'WS /v1/stream'))
    const session = receiver.spans.find((s) => s.traceId === traceId && s.name === 'WS /v1/stream')!
    await receiver.waitFor((r) => linkedTo(session.spanId, 'tts.utterance').length === 3)
    const utterances = linkedTo(session.spanId, 'tts.utterance')
    for (const u of utterances) {
      expect(u.traceId).not.toBe(traceId)
      expect(u.attributes['tts.sampling.keep']).toBe(true)
      const synth = receiver.spans.filter((s) => s.traceId === u.traceId && s.name === 'tts.synthesize')
      expect(synth.map((s) => s.parentSpanId)).toEqual([u.spanId])
    }
    const ended = await svc.waitForLog((l) => l.msg === 'session ended' && l.request_id === started.json.request_id)
    expect(ended).toMatchObject({ close_code: 1000, frames_sent: seqs.length, trace_kept: true })
    await receiver.waitFor((r) => r.spans.some((s) => s.traceId === ended.trace_id))
    const closing = receiver.spans.find((s) => s.traceId === ended.trace_id)!
    expect(closing).toMatchObject({ name: 'WS /v1/stream close', links: [{ traceId, spanId: session.spanId }] })
    expect(closing.attributes).toMatchObject({ 'tts.frames.sent': seqs.length, 'websocket.close.code': 1000 })
    // First-audio latency points at the first utterance's trace, the session length at the close's.
    const metrics = await (await fetch(`${svc.url}/metrics`)).text()
    const first = utterances.map((u) => u.traceId).join('|')
    expect(metrics).toMatch(new RegExp(`tts_first_audio_latency_seconds_bucket\\{[^}]*route="/v1/stream"[^}]*\\} \\d+ # \\{trace_id="(${first})"`))
    expect(metrics).toMatch(new RegExp(`streaming_duration_seconds_bucket\\{[^}]*\\} \\d+ # \\{trace_id="${ended.trace_id}"`))
  })

  test('cancel stops the audio: nothing arrives after the cancelled marker, and the session goes on', async () => {
    const client = await connect('/v1/stream')
    client.send({ type: 'start', voice: 'alloy', format: 'pcm' })
    const { lastSeq, before, after } = await bargeIn(client)
    const seqsAfter = after.map((f) => new DataView(f.buffer, f.byteOffset).getUint32(0))
    // Frames after the cancel are the new sentence only, numbered on from the last one sent.
    expect(seqsAfter[0]).toBe(lastSeq + 1)
    expect(before.length).toBe(lastSeq + 1)
    expect(before.length).toBeLessThan(30)
  })

  test.each([
    ['non-JSON text', 'hello', 1008, 'invalid_json'],
    ['text before start', { type: 'text', text: 'hi' }, 1008, 'start_required'],
    ['an unknown voice', { type: 'start', voice: 'nobody' }, 1008, 'voice_not_found'],
    ['a wrong field type', { type: 'start', voice: 'alloy', speed: 'fast' }, 1008, 'invalid_message'],
    ['an unknown field', { type: 'start', voice: 'alloy', volume: 11 }, 1008, 'invalid_message'],
    ['an unsupported sample rate', { type: 'start', voice: 'alloy', format: 'pcm', sample_rate: 12345 }, 1008, 'unsupported_format'],
  ] as const)('%s gets an error message and close %i', async (_name, message, closeCode, code) => {
    const client = await connect('/v1/stream')
    client.send(message)
    const error = (await client.next(isJson((j) => j.type === 'error'))) as { json: any }
    expect(error.json).toMatchObject({ code, message: expect.any(String) })
    expect((await client.closed).code).toBe(closeCode)
  })

  test('a binary frame where JSON is expected closes with 1003', async () => {
    const client = await connect('/v1/stream')
    client.send(new Uint8Array([1, 2, 3]))
    expect((await client.next(isJson((j) => j.type === 'error'))) as { json: any }).toMatchObject({ json: { code: 'binary_not_supported' } })
    expect((await client.closed).code).toBe(1003)
  })

  test('an oversized message closes with 1009', async () => {
    const client = await connect('/v1/stream')
    client.send({ type: 'start', voice: 'alloy', padding: 'x'.repeat(20_000) })
    expect((await client.closed).code).toBe(1009)
  })

  test('an idle session is closed after the inactivity timeout', async () => {
    const client = await connect('/v1/stream')
    client.send({ type: 'start', voice: 'alloy' })
    const error = (await client.next(isJson((j) => j.type === 'error'), 0, 10_000)) as { json: any }
    expect(error.json.code).toBe('input_timeout_exceeded')
    expect((await client.closed).code).toBe(1008)
  })

  test('a reader that stops reading holds the session back, and nothing is lost when it reads again', async () => {
    const metric = (series: string) => metricValue(svc.url, series)
    const backpressure = 'tts_stream_backpressure_total{vendor="tts-edge"}'
    const dropped = 'tts_frames_dropped_total{vendor="tts-edge"}'
    const [waitsBefore, droppedBefore] = [await metric(backpressure), await metric(dropped)]
    const raw = new RawWsClient(svc.port, '/v1/stream')
    await raw.opened()
    raw.pause()
    raw.sendJson({ type: 'start', voice: 'en-us-f1', format: 'pcm', sample_rate: 48000 })
    raw.sendJson({ type: 'text', text: `${Array.from({ length: 40 }, (_, i) => `Slow readers get sentence number ${i + 1} a little later than the others.`).join(' ')} ` })
    raw.sendJson({ type: 'close' })
    // The server's socket buffer fills and the session pauses for it to drain.
    await waitUntil(async () => (await metric(backpressure)) > waitsBefore, 30_000, 'the session to meet backpressure')
    raw.resume()
    await raw.waitFor((f) => f.opcode === 1 && f.payload.toString().includes('"type":"end"'))
    const end = JSON.parse(raw.frames.find((f) => f.opcode === 1 && f.payload.toString().includes('"type":"end"'))!.payload.toString())
    const seqs = raw.frames.filter((f) => f.opcode === 2).map((f) => f.payload.readUInt32BE(0))
    expect(seqs).toEqual(seqs.map((_, i) => i))
    expect(end.frames).toBe(seqs.length)
    expect(await metric(dropped)).toBe(droppedBefore)
    raw.destroy()
  })

  test('a client that disconnects aborts its queued and running synthesis', async () => {
    const SENTENCES = 16
    const traceId = hex(16)
    const requestId = `disconnect-${hex(4)}`
    const client = await connect('/v1/stream', { traceparent: `00-${traceId}-${hex(8)}-01`, 'x-request-id': requestId })
    client.send({ type: 'start', voice: 'en-us-f1', format: 'pcm' })
    // Sentences long enough that each takes far longer to synthesise than the close takes to arrive: with short
    // ones, a loaded machine finished and started more before the server saw the close, and the bound below raced.
    const sentence = (i: number) => `Unheard sentence number ${i + 1} goes on for a while, so that the engine spends real time on every one of its many words.`
    client.send({ type: 'text', text: `${Array.from({ length: SENTENCES }, (_, i) => sentence(i)).join(' ')} ` })
    await client.next((m) => m.kind === 'binary')
    client.socket.close()
    await svc.waitForLog((l) => l.msg === 'session ended' && l.request_id === requestId)
    await receiver.waitFor((r) => r.spans.some((s) => s.traceId === traceId && s.name === 'WS /v1/stream'))
    const session = receiver.spans.find((s) => s.traceId === traceId && s.name === 'WS /v1/stream')!
    // Every queued sentence's utterance trace ends (cancelled), none outlives the session.
    await receiver.waitFor(() => linkedTo(session.spanId, 'tts.utterance').length === SENTENCES)
    const utterances = new Set(linkedTo(session.spanId, 'tts.utterance').map((u) => u.traceId))
    const synth = receiver.spans.filter((s) => utterances.has(s.traceId) && s.name === 'tts.synthesize')
    // Only the sentences already started (the one playing and a bounded few ahead) ever ran.
    expect(synth.length).toBeGreaterThanOrEqual(1)
    expect(synth.length).toBeLessThanOrEqual(4)
    expect(synth.some((s) => s.attributes['tts.cancelled'] === true)).toBe(true)
  })

  test('a session that fails leaves another one on the same server unaffected', async () => {
    const good = await connect('/v1/stream')
    good.send({ type: 'start', voice: 'alloy', format: 'pcm' })
    good.send({ type: 'text', text: 'The first half. ' })
    const bad = await connect('/v1/stream')
    bad.send('{not json')
    expect((await bad.closed).code).toBe(1008)
    good.send({ type: 'text', text: 'The second half. ' })
    good.send({ type: 'close' })
    const end = (await good.next(isJson((j) => j.type === 'end'))) as { json: any }
    expect(end.json.frames).toBeGreaterThan(0)
    expect((await good.closed).code).toBe(1000)
  })

  test('a plain GET without an upgrade is told to use WebSocket', async () => {
    const res = await fetch(`${svc.url}/v1/stream`)
    expect(res.status).toBe(426)
  })
})

describe('ElevenLabs stream-input', () => {
  test('text in pieces, then "" : audio with alignment, then isFinal and close 1000', async () => {
    const client = await connect('/v1/text-to-speech/en-gb-m1/stream-input?output_format=pcm_16000&auto_mode=true')
    client.send({ text: ' ', voice_settings: { stability: 0.5, similarity_boost: 0.8 } })
    for (const word of PARAGRAPH.split(' ')) client.send({ text: `${word} `, try_trigger_generation: true })
    client.send({ text: '' })
    await client.next(isJson((j) => j.isFinal === true))
    expect((await client.closed).code).toBe(1000)
    const audio = client.json().filter((j) => j.audio)
    expect(audio.length).toBeGreaterThanOrEqual(3)
    for (const a of audio) {
      expect(a.isFinal).toBeNull()
      expect(a.alignment.chars.length).toBe(a.alignment.charStartTimesMs.length)
      expect(a.normalizedAlignment).toEqual(a.alignment)
    }
    const pcmBytes = audio.reduce((n, a) => n + Buffer.from(a.audio, 'base64').length, 0)
    expect(pcmBytes / 2 / 16000).toBeGreaterThan(5)
    expect(audio.flatMap((a) => a.alignment.chars).join('')).toBe(PARAGRAPH)
  })

  test('the chunk length schedule holds text back until a threshold or a flush', async () => {
    const client = await connect('/v1/text-to-speech/en-us-m1/stream-input?output_format=ulaw_8000')
    client.send({ text: ' ', generation_config: { chunk_length_schedule: [500] } })
    client.send({ text: 'Short text, well under the threshold. ' })
    client.send({ text: 'Still short. ', flush: true })
    // Nothing is spoken until the flush; then both messages go out as one piece.
    await client.next(isJson((j) => typeof j.audio === 'string'))
    const flushedAt = client.messages.findIndex((m) => m.kind === 'text' && m.json?.audio)
    client.send({ text: '' })
    await client.next(isJson((j) => j.isFinal === true))
    expect((await client.closed).code).toBe(1000)
    const spoken = client.json().filter((j) => j.audio).flatMap((j) => j.alignment.chars).join('')
    expect(spoken).toBe('Short text, well under the threshold. Still short.')
    expect(flushedAt).toBe(0)
  })

  test('more text than the session may queue is a protocol error, even in the opening message', async () => {
    const client = await connect('/v1/text-to-speech/en-us-f1/stream-input?auto_mode=true')
    client.send({ text: `${Array.from({ length: 70 }, (_, i) => `Part ${i + 1}.`).join(' ')} ` })
    const error = (await client.next(isJson((j) => j.error !== undefined))) as { json: any }
    expect(error.json).toMatchObject({ error: 'too_much_text', code: 1008 })
    expect((await client.closed).code).toBe(1008)
  })

  test('an unknown voice is reported in the protocol and closed with 1008', async () => {
    const client = await connect('/v1/text-to-speech/no-such-voice/stream-input')
    const error = (await client.next(isJson((j) => j.error !== undefined))) as { json: any }
    expect(error.json).toMatchObject({ error: 'voice_not_found', code: 1008, message: expect.any(String) })
    expect((await client.closed).code).toBe(1008)
  })

  test('inactivity_timeout closes a silent socket with the protocol error', async () => {
    const client = await connect('/v1/text-to-speech/en-us-f1/stream-input?inactivity_timeout=1')
    client.send({ text: ' ' })
    const error = (await client.next(isJson((j) => j.error !== undefined))) as { json: any }
    expect(error.json).toMatchObject({ error: 'input_timeout_exceeded', code: 1008 })
    expect((await client.closed).code).toBe(1008)
  })

  test('a bad query is an HTTP 422 in the ElevenLabs shape, before any upgrade', async () => {
    const res = await fetch(`${svc.url}/v1/text-to-speech/en-us-f1/stream-input?inactivity_timeout=9999`, { headers: { upgrade: 'websocket' } })
    expect(res.status).toBe(422)
    expect(await res.json()).toMatchObject({ detail: [{ loc: ['query', 'inactivity_timeout'] }] })
  })
})

describe('ElevenLabs multi-stream-input', () => {
  const path = '/v1/text-to-speech/en-us-f1/multi-stream-input?output_format=pcm_16000&auto_mode=true'

  test('two contexts on one socket: audio tagged per context, close_context stops one, close_socket ends the rest', async () => {
    const client = await connect(path)
    const turnOne = Array.from({ length: 20 }, (_, i) => `Turn one sentence ${i + 1}.`).join(' ')
    client.send({ text: ' ', context_id: 'turn-1' })
    client.send({ text: `${turnOne} `, context_id: 'turn-1' })
    await client.next(isJson((j) => j.contextId === 'turn-1' && typeof j.audio === 'string'))
    // The user interrupts: the agent abandons turn 1 and speaks turn 2.
    client.send({ context_id: 'turn-1', close_context: true })
    await client.next(isJson((j) => j.isFinal === true && j.contextId === 'turn-1'))
    const closedAt = client.messages.length
    client.send({ text: 'Turn two answers. ', context_id: 'turn-2' })
    client.send({ close_socket: true })
    await client.next(isJson((j) => j.isFinal === true && j.contextId === 'turn-2'))
    expect((await client.closed).code).toBe(1000)
    const after = client.json().slice(closedAt)
    expect(after.some((j) => j.contextId === 'turn-1' && j.audio)).toBe(false)
    const turn2 = after.filter((j) => j.contextId === 'turn-2' && j.audio)
    expect(turn2.flatMap((j) => j.alignment.chars).join('')).toBe('Turn two answers.')
    // Turn 1 was cut off: its last sentences were never spoken.
    const turn1 = client.json().filter((j) => j.contextId === 'turn-1' && j.audio).flatMap((j) => j.alignment.chars).join('')
    expect(turn1.length).toBeGreaterThan(0)
    expect(turnOne.replace(/\s+/g, '').startsWith(turn1.replace(/\s+/g, ''))).toBe(true)
    expect(turn1).not.toContain('sentence 20.')
  })

  test('one context more than the limit is a protocol error', async () => {
    const client = await connect(path)
    for (let i = 0; i < 6; i++) client.send({ text: ' ', context_id: `c${i}` })
    const error = (await client.next(isJson((j) => j.error !== undefined))) as { json: any }
    expect(error.json).toMatchObject({ error: 'too_many_contexts', code: 1008 })
    expect((await client.closed).code).toBe(1008)
  })

  test('closing a context that does not exist is a protocol error', async () => {
    const client = await connect(path)
    client.send({ context_id: 'ghost', close_context: true })
    expect(((await client.next(isJson((j) => j.error !== undefined))) as { json: any }).json.error).toBe('context_not_found')
    expect((await client.closed).code).toBe(1008)
  })
})

test('every session that ended, however it ended, leaves streaming_active at 0', async () => {
  const text = await (await fetch(`${svc.url}/metrics`)).text()
  const value = (series: string) => Number(text.match(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm'))?.[1])
  expect(value('streaming_active{vendor="tts-edge"}')).toBe(0)
  expect(value('streaming_active{vendor="elevenlabs"}')).toBe(0)
  expect(value('tts_websocket_connections_active')).toBe(0)
  expect(value('streaming_created_total{vendor="tts-edge"}')).toBeGreaterThan(5)
  expect(value('streaming_ended_total{vendor="tts-edge"}')).toBe(value('streaming_created_total{vendor="tts-edge"}'))
  expect(value('tts_frames_sent_total{vendor="tts-edge"}')).toBeGreaterThan(0)
  expect(svc.logs.some((l) => l.level === 50)).toBe(false)
})
