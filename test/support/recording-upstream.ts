/**
 * A recording upstream: stands for the vendor on the far side of the wire, so tests can see
 * exactly what the gateway sent. It speaks ElevenLabs' HTTP text-to-speech (convert, stream,
 * with-timestamps, voices) and stream-input WebSocket, and OpenAI's `/v1/audio/speech` and
 * voices, answering with real audio in the format asked for (a tone per character, encoded
 * by the service's own encoders) and records every request: path, query, headers, body, and
 * each WebSocket message. Only our gateway is under test; this is the vendor.
 */
import type { ServerWebSocket } from 'bun'
import { createEncoder, parseElevenLabsFormat, parseOpenAIFormat, type AudioFormatSpec } from '../../src/audio/formats.ts'
import { toneFor, wordAlignment } from './recording-upstream-audio.ts'

export interface RecordedRequest {
  protocol: 'http' | 'ws'
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  /** The JSON body of an HTTP request. */
  body?: Record<string, unknown>
  /** Every message a WebSocket client sent, parsed, in order. */
  messages: Record<string, unknown>[]
  /** The `request-id` this generation was answered with (HTTP). */
  requestId?: string
}

export interface RecordingUpstream {
  url: string
  /** Every request so far, oldest first. */
  readonly requests: RecordedRequest[]
  /** Requests whose path matches, oldest first. */
  matching(path: RegExp): RecordedRequest[]
  /** Forgets what was recorded. */
  clear(): void
  stop(): void
}

export const UPSTREAM_VOICES = [
  { id: 'af_bella', language: 'en-US', gender: 'female' },
  { id: 'af_sky', language: 'en-US', gender: 'female' },
  { id: 'am_adam', language: 'en-US', gender: 'male' },
  { id: 'bf_emma', language: 'en-GB', gender: 'female' },
] as const

interface SocketData {
  record: RecordedRequest
  buffer: string
}

/**
 * @example
 * const upstream = startRecordingUpstream()
 * // engines file: { eleven: { kind: 'elevenlabs', url: upstream.url }, kokoro: { kind: 'openai', url: `${upstream.url}/v1` } }
 * upstream.matching(/text-to-speech/)[0].body // what the gateway sent
 */
export function startRecordingUpstream(): RecordingUpstream {
  const requests: RecordedRequest[] = []
  let generations = 0
  const nextId = () => `gen-${++generations}-${crypto.randomUUID().slice(0, 8)}`
  const server = Bun.serve<SocketData>({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req, srv) {
      const url = new URL(req.url)
      const record: RecordedRequest = {
        protocol: req.headers.get('upgrade')?.toLowerCase() === 'websocket' ? 'ws' : 'http',
        method: req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(req.headers),
        messages: [],
      }
      if (record.protocol === 'ws') {
        requests.push(record)
        return srv.upgrade(req, { data: { record, buffer: '' } }) ? undefined : new Response('upgrade failed', { status: 400 })
      }
      if (req.method === 'POST') record.body = (await req.json().catch(() => undefined)) as Record<string, unknown> | undefined
      requests.push(record)
      return answer(record, nextId)
    },
    websocket: {
      message: (ws, data) => streamInputMessage(ws, String(data)),
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    matching: (path) => requests.filter((r) => path.test(r.path)),
    clear: () => void requests.splice(0),
    stop: () => server.stop(true),
  }
}

async function answer(record: RecordedRequest, nextId: () => string): Promise<Response> {
  const { path, body } = record
  if (path === '/v1/voices') {
    return Response.json({ voices: UPSTREAM_VOICES.map((v) => ({ voice_id: v.id, name: v.id, labels: { language: v.language, gender: v.gender } })) })
  }
  if (path === '/v1/audio/voices') return Response.json({ voices: UPSTREAM_VOICES.map((v) => ({ id: v.id, name: v.id, language: v.language, gender: v.gender })) })
  const text = typeof body?.text === 'string' ? body.text : typeof body?.input === 'string' ? body.input : ''
  if (path === '/v1/audio/speech') {
    const format = parseOpenAIFormat(String(body?.response_format ?? 'mp3'))
    if (!format.ok) return Response.json({ error: { message: format.message } }, { status: 400 })
    return new Response(await encoded(format.spec, text), { headers: { 'content-type': format.spec.contentType } })
  }
  const tts = /^\/v1\/text-to-speech\/[^/]+(\/stream)?(\/with-timestamps)?$/.exec(path)
  if (!tts) return Response.json({ detail: { status: 'not_found', message: `no route ${path}` } }, { status: 404 })
  const format = parseElevenLabsFormat(record.query.output_format ?? 'mp3_44100_128')
  if (!format.ok) return Response.json({ detail: { status: 'invalid_output_format', message: format.message } }, { status: 400 })
  const requestId = nextId()
  record.requestId = requestId
  const audio = await encoded(format.spec, text)
  if (!tts[2]) return new Response(audio, { headers: { 'content-type': format.spec.contentType, 'request-id': requestId } })
  const alignment = wordAlignment(text, format.spec.sampleRate)
  const json = JSON.stringify({ audio_base64: Buffer.from(audio).toString('base64'), alignment: alignment.seconds, normalized_alignment: alignment.seconds })
  return new Response(tts[1] ? `${json}\n` : json, { headers: { 'content-type': 'application/json', 'request-id': requestId } })
}

async function encoded(format: AudioFormatSpec, text: string): Promise<Uint8Array<ArrayBuffer>> {
  const encoder = await createEncoder(format, format.sampleRate)
  const head = encoder.write(toneFor(text, format.sampleRate))
  const tail = encoder.end()
  return new Uint8Array(encoder.finalize(Buffer.concat([head, tail])))
}

/** stream-input: text accumulates until a flush (or the closing `{"text":""}`), then one audio message per word. */
function streamInputMessage(ws: ServerWebSocket<SocketData>, raw: string): void {
  const { record } = ws.data
  let msg: Record<string, unknown>
  try {
    msg = JSON.parse(raw) as Record<string, unknown>
  } catch {
    ws.send(JSON.stringify({ message: 'not JSON', error: 'invalid_message', code: 1008 }))
    return ws.close(1008)
  }
  record.messages.push(msg)
  const text = typeof msg.text === 'string' ? msg.text : ''
  const closing = record.messages.length > 1 && text === ''
  ws.data.buffer += text
  if (!msg.flush && !closing) return
  const rate = Number(/^pcm_(\d+)$/.exec(record.query.output_format ?? '')?.[1] ?? 24000)
  const words = ws.data.buffer.trim().split(/\s+/).filter(Boolean)
  ws.data.buffer = ''
  for (const word of words) {
    const piece = `${word} `
    const samples = toneFor(piece, rate)
    const alignment = wordAlignment(piece, rate).chunk
    ws.send(JSON.stringify({ audio: Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64'), isFinal: null, alignment, normalizedAlignment: alignment }))
  }
  if (closing) {
    ws.send(JSON.stringify({ isFinal: true }))
    ws.close(1000)
  }
}
