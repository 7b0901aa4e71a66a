/**
 * `bun run bench stream-cache`: streams use the cache. A voice agent's three-sentence greeting
 * over ElevenLabs stream-input: time from sending the text to the first audio message, served
 * from the cache (the same greeting again) vs synthesised (a new greeting each time), side by
 * side, on two engines:
 * - native espeak in the service itself;
 * - an ElevenLabs upstream (a second tts-edge) whose every response byte arrives 50 ms late,
 *   through the fault proxy (test/support/fault-proxy.ts), as a far or slow vendor would.
 * Target: first audio from the cache at most 5 ms at p95.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFaultProxy } from '../test/support/fault-proxy.ts'
import { spawnService, type BenchService } from './service.ts'
import { fmt, quantile, verdict } from './stats.ts'

const RUNS = 40
const WARMUP = 10
const GREETING = 'Hello, and thanks for calling. I am the assistant for this line. How can I help you today?'

/** ms from sending the greeting to the first audio message of one stream-input session. */
async function firstAudio(base: string, voice: string, greeting: string): Promise<number> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/text-to-speech/${voice}/stream-input?output_format=pcm_16000&auto_mode=true`)
  let sent = 0
  let first = 0
  const done = new Promise<void>((resolve, reject) => {
    ws.addEventListener('message', (event) => {
      const msg = JSON.parse(String(event.data)) as { audio?: string; isFinal?: boolean; error?: string }
      if (msg.error) reject(new Error(msg.error))
      if (msg.audio && !first) first = performance.now() - sent
      if (msg.isFinal) resolve()
    })
    ws.addEventListener('close', () => resolve())
  })
  await new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }))
  ws.send(JSON.stringify({ text: ' ' }))
  sent = performance.now()
  ws.send(JSON.stringify({ text: `${greeting} ` }))
  ws.send(JSON.stringify({ text: '' }))
  await done
  ws.close()
  if (!first) throw new Error('no audio')
  return first
}

/** Cached and synthesised first audio, alternating so a shared machine's drift lands on both. */
async function compare(service: BenchService, voice: string): Promise<{ cached: number[]; fresh: number[] }> {
  let n = 0
  // Another first sentence each time: first audio is the first sentence's, which must not be a hit.
  const greeting = () => `Hello caller number ${++n}. ${GREETING}`
  await firstAudio(service.url, voice, GREETING)
  for (let i = 0; i < WARMUP; i++) await firstAudio(service.url, voice, i % 2 ? GREETING : greeting())
  const cached: number[] = []
  const fresh: number[] = []
  for (let i = 0; i < RUNS; i++) {
    cached.push(await firstAudio(service.url, voice, GREETING))
    fresh.push(await firstAudio(service.url, voice, greeting()))
  }
  return { cached, fresh }
}

function report(label: string, { cached, fresh }: { cached: number[]; fresh: number[] }): string[] {
  const p95 = quantile(cached, 0.95)
  return [
    `  ${verdict(`${label}: first audio from the cache p95 <= 5 ms`, p95 <= 5, `cached p50 ${fmt(quantile(cached, 0.5), 2)} ms, p95 ${fmt(p95, 2)} ms`)}`,
    `  info  ${label}: synthesised p50 ${fmt(quantile(fresh, 0.5), 1)} ms, p95 ${fmt(quantile(fresh, 0.95), 1)} ms; cached is ${fmt(quantile(fresh, 0.5) / quantile(cached, 0.5), 1)}x faster at p50`,
  ]
}

export async function benchStreamCache(): Promise<string[]> {
  const quiet = { OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'warn', TTS_ENGINE: 'espeak-native' }
  const lines = [`Streams use the cache: first audio of a three-sentence greeting over stream-input, ${RUNS} alternating pairs (the same greeting again vs a new one):`]
  const local = await spawnService(quiet)
  try {
    lines.push(...report('native espeak', await compare(local, 'en-us-f1')))
  } finally {
    await local.stop()
  }
  const upstream = await spawnService(quiet)
  const proxy = await startFaultProxy(Number(new URL(upstream.url).port))
  proxy.mode = { kind: 'delay', ms: 50 }
  const file = join(mkdtempSync(join(tmpdir(), 'tts-bench-stream-cache-')), 'engines.json')
  writeFileSync(file, JSON.stringify({ engines: { el: { kind: 'elevenlabs', url: proxy.url } }, default: 'el' }))
  const gateway = await spawnService({ ...quiet, TTS_ENGINES_FILE: file })
  try {
    lines.push(...report('ElevenLabs upstream +50 ms', await compare(gateway, 'el:en-us-f1')))
  } finally {
    proxy.stop()
    await Promise.all([gateway.stop(), upstream.stop()])
  }
  return lines
}
