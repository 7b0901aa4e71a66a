/**
 * Streaming benchmarks over loopback WebSockets against the real service:
 * - time to first audio: from the text message that completes the first sentence to the
 *   first audio frame, vs the engine synthesising that sentence directly (target: <= 1.2x + 5 ms);
 * - barge-in: from `cancel` to the last audio frame received, with a long text in flight (p95 < 10 ms);
 * - capacity: many concurrent sessions each streaming a paragraph, errors and memory per session.
 */
import { createEspeak } from '../src/tts/engines/espeak/espeak-variants.ts'
import type { EspeakVariant } from '../src/tts/engines/espeak/espeak-settings.ts'
import { resolveVoice } from '../src/tts/engines/espeak/espeak-voices.ts'
import { timeEngine } from './engine-speed.ts'
import { spawnService, type BenchService } from './service.ts'
import { fmt, processRssBytes, quantile, verdict } from './stats.ts'

const SENTENCE = 'The storm rolled in at dusk and the harbour lights began to flicker.'
const RUNS = 30

function open(svc: BenchService): Promise<WebSocket> {
  const socket = new WebSocket(`${svc.url.replace(/^http/, 'ws')}/v1/stream`)
  socket.binaryType = 'arraybuffer'
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve(socket)
    socket.onerror = () => reject(new Error('connect failed'))
  })
}

function nextMessage(socket: WebSocket, predicate: (data: string | ArrayBuffer) => boolean): Promise<number> {
  return new Promise((resolve) => {
    const listener = (event: MessageEvent) => {
      if (!predicate(event.data)) return
      socket.removeEventListener('message', listener)
      resolve(performance.now())
    }
    socket.addEventListener('message', listener)
  })
}

async function firstAudio(svc: BenchService): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i <= RUNS; i++) {
    const socket = await open(svc)
    const started = nextMessage(socket, (d) => typeof d === 'string' && d.includes('"started"'))
    socket.send(JSON.stringify({ type: 'start', voice: 'en-us-f1', format: 'pcm', sample_rate: 22050 }))
    await started
    const words = SENTENCE.split(' ')
    for (const word of words.slice(0, -1)) socket.send(JSON.stringify({ type: 'text', text: `${word} ` }))
    const audio = nextMessage(socket, (d) => typeof d !== 'string')
    const sent = performance.now()
    socket.send(JSON.stringify({ type: 'text', text: `${words.at(-1)} ` }))
    const ms = (await audio) - sent
    if (i > 0) out.push(ms)
    socket.close()
  }
  return out
}

async function bargeIn(svc: BenchService): Promise<number[]> {
  const out: number[] = []
  const long = Array.from({ length: 40 }, (_, i) => `This is sentence number ${i + 1} of a long answer.`).join(' ')
  for (let i = 0; i < RUNS; i++) {
    const socket = await open(svc)
    socket.send(JSON.stringify({ type: 'start', voice: 'en-us-f1', format: 'pcm', sample_rate: 22050 }))
    socket.send(JSON.stringify({ type: 'text', text: `${long} ` }))
    await nextMessage(socket, (d) => typeof d !== 'string')
    let lastFrame = 0
    const cancelledAt = performance.now()
    socket.addEventListener('message', (e) => {
      if (typeof e.data !== 'string') lastFrame = performance.now()
    })
    socket.send(JSON.stringify({ type: 'cancel' }))
    await nextMessage(socket, (d) => typeof d === 'string' && d.includes('"cancelled"'))
    out.push(lastFrame ? lastFrame - cancelledAt : 0)
    socket.close()
  }
  return out
}

async function capacity(svc: BenchService, sessions: number): Promise<string> {
  const paragraph = 'Capacity matters for voice agents. Every caller gets a session of their own.'
  const baseline = processRssBytes(svc.pid)
  let peak = baseline
  const sampler = setInterval(() => (peak = Math.max(peak, processRssBytes(svc.pid))), 50)
  const started = performance.now()
  const results = await Promise.all(
    Array.from({ length: sessions }, async () => {
      try {
        const socket = await open(svc)
        const closed = new Promise<number>((resolve) => (socket.onclose = (e) => resolve(e.code)))
        socket.send(JSON.stringify({ type: 'start', voice: 'en-us-m1', format: 'pcm', sample_rate: 16000 }))
        for (const word of paragraph.split(' ')) socket.send(JSON.stringify({ type: 'text', text: `${word} ` }))
        socket.send(JSON.stringify({ type: 'close' }))
        return await closed
      } catch {
        return -1
      }
    }),
  )
  clearInterval(sampler)
  const errors = results.filter((code) => code !== 1000).length
  const perSession = (peak - baseline) / sessions
  return [
    `Capacity: ${sessions} concurrent sessions, each streaming a 2-sentence paragraph, ${fmt((performance.now() - started) / 1000, 1)} s:`,
    `  ${verdict('no errors', errors === 0, `${errors} sessions did not end with 1000`)}`,
    `  RSS ${fmt(baseline / 2 ** 20, 0)} MiB before, ${fmt(peak / 2 ** 20, 0)} MiB at peak: ${fmt(perSession / 1024, 0)} KiB per session`,
  ].join('\n')
}

export async function benchStreaming(): Promise<string[]> {
  const lines: string[] = []
  for (const kind of ['espeak-native', 'espeak-wasm'] as EspeakVariant[]) {
    const engine = createEspeak({ engine: kind, workers: 1, maxQueue: 8 })
    await engine.warmup()
    const direct = []
    for (let i = 0; i <= RUNS; i++) direct.push((await timeEngine(engine, SENTENCE)).ms)
    await engine.close()
    const engineP50 = quantile(direct.slice(1), 0.5)
    const engineP95 = quantile(direct.slice(1), 0.95)
    const svc = await spawnService({ TTS_ENGINE: kind, LOG_LEVEL: 'warn', TTS_MAX_QUEUE: '4000' })
    const ttfa = await firstAudio(svc)
    const barge = await bargeIn(svc)
    const p50 = quantile(ttfa, 0.5)
    const p95 = quantile(ttfa, 0.95)
    lines.push(
      `Streaming, ${kind} (${RUNS} sessions each):`,
      `  time to first audio p50 ${fmt(p50, 1)} ms, p95 ${fmt(p95, 1)} ms; engine alone p50 ${fmt(engineP50, 1)} ms, p95 ${fmt(engineP95, 1)} ms`,
      `  ${verdict('TTFA p50 <= 1.2 x engine + 5 ms', p50 <= 1.2 * engineP50 + 5, `${fmt(p50, 1)} <= ${fmt(1.2 * engineP50 + 5, 1)}`)}`,
      `  ${verdict('TTFA p95 <= 1.2 x engine + 5 ms', p95 <= 1.2 * engineP95 + 5, `${fmt(p95, 1)} <= ${fmt(1.2 * engineP95 + 5, 1)}`)}`,
      `  ${verdict('barge-in p95 < 10 ms', quantile(barge, 0.95) < 10, `p50 ${fmt(quantile(barge, 0.5), 2)} ms, p95 ${fmt(quantile(barge, 0.95), 2)} ms`)}`,
    )
    if (kind === 'espeak-native') lines.push(await capacity(svc, 500))
    await svc.stop()
  }
  return lines
}
