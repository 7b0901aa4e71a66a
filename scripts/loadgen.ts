/**
 * `bun run loadgen`: a realistic, bounded mix of traffic so every dashboard panel has data,
 * then directions from the slowest request to its trace and logs.
 *
 *   bun run loadgen -- --url http://localhost:8080 --duration 60 --concurrency 4 [--api-key KEY]
 *
 * The mix: both vendor APIs, texts across the word-count ranges and many languages, repeats
 * (cache hits) and fresh texts (misses), a few bad requests (4xx on purpose), and a few
 * deliberately slow ones (long texts at slow speed).
 */
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://localhost:8080' },
    duration: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '4' },
    'api-key': { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
})

const base = args.url.replace(/\/$/, '')
const durationMs = Math.min(3600, Math.max(1, Number(args.duration) || 60)) * 1000
const concurrency = Math.min(64, Math.max(1, Number(args.concurrency) || 4))
const auth: Record<string, string> = args['api-key'] ? { authorization: `Bearer ${args['api-key']}`, 'xi-api-key': args['api-key'] } : {}

const WORDS = 'the voice of the edge speaks every sentence clearly while listeners follow along with ease and patience today'.split(' ')
const VOICES = ['alloy', 'nova', 'onyx', 'en-gb-f1', 'de-m1', 'fr-fr-f1', 'es-m1', 'it-f1', 'pt-br-m1', 'nl-f1', 'pl-m1', 'sv-f1', 'hi-m1', 'ja-f1']
const WORD_COUNTS = [5, 18, 40, 80, 150, 260]
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!

function text(words: number, fresh: boolean): string {
  const body = Array.from({ length: words }, (_, i) => WORDS[i % WORDS.length]).join(' ')
  return `${fresh ? `Take ${crypto.randomUUID().slice(0, 8)}. ` : ''}${body.charAt(0).toUpperCase()}${body.slice(1)}.`
}

interface Outcome {
  kind: string
  status: number
  ms: number
  traceId: string | undefined
  requestId: string | undefined
}

type Plan = { kind: string; path: string; body: unknown; headers?: Record<string, string> } | { kind: 'stream' | 'stream + cancel'; text: string; voice: string }

let sent = 0

/** A fixed cycle of 20 keeps the mix's shares stable even in short runs; details vary at random. */
function nextRequest(): Plan {
  const slot = sent++ % 20
  const words = pick(WORD_COUNTS)
  const fresh = Math.random() < 0.4
  if (slot === 3) return { kind: 'bad request', path: '/v1/audio/speech', body: { model: 'tts-1', voice: 'nobody', input: 'x' } }
  if (slot === 8) return { kind: 'bad request', path: '/v1/text-to-speech/en-us-f1', body: { model_id: 'eleven_multilingual_v2' } }
  if (slot === 5 || slot === 15) return { kind: 'stream', text: text(words, true), voice: pick(VOICES) }
  if (slot === 11) return { kind: 'stream + cancel', text: text(200, true), voice: pick(VOICES) }
  if (slot === 19) {
    return { kind: 'slow', path: '/v1/audio/speech', body: { model: 'tts-1', voice: 'onyx', input: text(400, true), speed: 0.5, response_format: 'mp3' } }
  }
  if (slot % 2 === 0) {
    const format = pick(['mp3', 'wav', 'pcm', 'flac'])
    return { kind: `openai ${format}`, path: '/v1/audio/speech', body: { model: 'tts-1', voice: pick(VOICES), input: text(words, fresh), response_format: format } }
  }
  const format = pick(['mp3_44100_128', 'mp3_22050_32', 'pcm_16000', 'ulaw_8000'])
  const route = Math.random() < 0.5 ? '' : '/stream'
  return { kind: `elevenlabs ${format}`, path: `/v1/text-to-speech/${pick(VOICES.slice(3))}${route}?output_format=${format}`, body: { text: text(words, fresh) } }
}

/** One /v1/stream session: text word by word, then close (or a cancel after the first audio). */
function stream(plan: Extract<Plan, { text: string }>): Promise<Outcome> {
  const started = performance.now()
  return new Promise((resolve) => {
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/stream`)
    let traceId: string | undefined
    let requestId: string | undefined
    let cancelled = false
    const done = (status: number) => resolve({ kind: plan.kind, status, ms: performance.now() - started, traceId, requestId })
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'start', voice: plan.voice, format: 'pcm', ...(args['api-key'] && { api_key: args['api-key'] }) }))
      for (const word of plan.text.split(' ')) socket.send(JSON.stringify({ type: 'text', text: `${word} ` }))
      if (plan.kind === 'stream') socket.send(JSON.stringify({ type: 'close' }))
    }
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') {
        if (plan.kind === 'stream + cancel' && !cancelled) {
          cancelled = true
          socket.send(JSON.stringify({ type: 'cancel' }))
          socket.send(JSON.stringify({ type: 'close' }))
        }
        return
      }
      const message = JSON.parse(event.data)
      // The session's own ids: a session can be the slowest request, and its directions need both.
      if (message.type === 'started') [traceId, requestId] = [message.trace_id, message.request_id]
    }
    socket.onclose = (event) => done(event.code === 1000 ? 200 : event.code === 1008 ? 400 : 500)
    socket.onerror = () => done(0)
  })
}

async function send(plan: Plan): Promise<Outcome> {
  if ('text' in plan) return stream(plan)
  const started = performance.now()
  try {
    const res = await fetch(`${base}${plan.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify(plan.body),
    })
    await res.arrayBuffer()
    return {
      kind: plan.kind,
      status: res.status,
      ms: performance.now() - started,
      traceId: res.headers.get('traceresponse')?.split('-')[1],
      requestId: res.headers.get('x-request-id') ?? undefined,
    }
  } catch {
    return { kind: plan.kind, status: 0, ms: performance.now() - started, traceId: undefined, requestId: undefined }
  }
}

function progress(outcomes: Outcome[], elapsed: number): string {
  const width = 30
  const done = Math.min(1, elapsed / durationMs)
  const bar = '#'.repeat(Math.round(done * width)).padEnd(width, '-')
  const byClass = { '2xx': 0, '4xx': 0, '5xx': 0, failed: 0 }
  for (const o of outcomes) {
    if (o.status === 0) byClass.failed++
    else byClass[`${Math.floor(o.status / 100)}xx` as '2xx' | '4xx' | '5xx']++
  }
  return `[${bar}] ${Math.round(done * 100)}% ${outcomes.length} req  2xx ${byClass['2xx']}  4xx ${byClass['4xx']}  5xx ${byClass['5xx']}  failed ${byClass.failed}`
}

const outcomes: Outcome[] = []
const started = performance.now()
const deadline = started + durationMs
const tty = process.stdout.isTTY && !args.quiet
const ticker = setInterval(() => {
  if (tty) process.stdout.write(`\r${progress(outcomes, performance.now() - started)}`)
}, 250)

await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) outcomes.push(await send(nextRequest()))
  }),
)
clearInterval(ticker)
if (tty) process.stdout.write(`\r${progress(outcomes, durationMs)}\n`)

const ok = outcomes.filter((o) => o.status >= 200 && o.status < 300)
const slowest = ok.filter((o) => o.traceId).sort((a, b) => b.ms - a.ms)[0]
console.log(`\n${outcomes.length} requests in ${((performance.now() - started) / 1000).toFixed(1)} s against ${base}`)
const kinds = new Map<string, number>()
for (const o of outcomes) kinds.set(`${o.kind} -> ${o.status || 'failed'}`, (kinds.get(`${o.kind} -> ${o.status || 'failed'}`) ?? 0) + 1)
for (const [kind, n] of [...kinds].sort()) console.log(`  ${String(n).padStart(5)}  ${kind}`)
if (slowest) {
  console.log(`
Slowest request: ${slowest.kind}, ${slowest.ms.toFixed(0)} ms
  trace_id   ${slowest.traceId}
  request_id ${slowest.requestId}

Follow it in Grafana (http://localhost:3000, dashboard "tts-edge"):
  1. Row "Throughput & API", panel "Request duration p95 by route (exemplars)": the diamond at the
     top of the spike is this request (hover: trace_id ${slowest.traceId}). Click "Query with Tempo".
  2. In the trace, open the SERVER span, then "Logs for this span" to land in Loki.
  3. Or search the logs directly (Explore -> Loki):
       {service_name="tts-edge"} | request_id="${slowest.requestId}"`)
}
const failed = outcomes.filter((o) => o.status === 0 || o.status >= 500).length
process.exit(outcomes.length > 0 && failed < outcomes.length ? 0 : 1)
