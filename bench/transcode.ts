/**
 * Gateway transcoding off the event loop, side by side: one upstream tts-edge (pcm, its
 * cache warm so it answers at once, as a fast GPU engine would), and two gateways in front
 * of it, one encoding in its encode workers (default), one on its event loop
 * (TTS_ENCODE_WORKERS=0). Each gateway transcodes a burst of long texts to Opus and AAC
 * while a prober asks `/healthz` back to back; the prober's latencies show how long the
 * event loop was held. Target: p99 with workers at most half of p99 on the event loop.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnService, type BenchService } from './service.ts'
import { fmt, quantile, runConcurrently, verdict } from './stats.ts'
import { uniqueLongText } from './texts.ts'

const TEXTS = 8
const CONCURRENCY = 4

const post = (url: string, input: string, format: string, voice = 'up:en-us-f1') =>
  fetch(`${url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice, input, response_format: format }),
  })

/** `/healthz` latencies (ms) taken back to back while `work` runs. */
async function probeWhile(url: string, work: Promise<unknown>): Promise<number[]> {
  let done = false
  void work.finally(() => (done = true))
  const latencies: number[] = []
  while (!done) {
    const t = performance.now()
    await (await fetch(`${url}/healthz`)).arrayBuffer()
    latencies.push(performance.now() - t)
  }
  return latencies
}

async function transcodeBurst(gateway: BenchService, tag: string): Promise<number[]> {
  const work = runConcurrently(TEXTS * 2, CONCURRENCY, async (i) => {
    const res = await post(gateway.url, uniqueLongText(i >> 1), i % 2 ? 'aac' : 'opus')
    if (res.status !== 200 || (await res.arrayBuffer()).byteLength < 1000) throw new Error(`${tag}: HTTP ${res.status}`)
  })
  return probeWhile(gateway.url, work)
}

export async function benchTranscode(): Promise<string[]> {
  const quiet = { OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'warn' }
  const upstream = await spawnService({ ...quiet, TTS_MAX_QUEUE: '1000' })
  const file = join(mkdtempSync(join(tmpdir(), 'tts-bench-transcode-')), 'engines.json')
  writeFileSync(file, JSON.stringify({ engines: { up: { kind: 'openai', url: `${upstream.url}/v1`, timeout_ms: 300_000 } } }))
  const [pooled, inPlace] = await Promise.all([
    spawnService({ ...quiet, TTS_ENGINES_FILE: file }),
    spawnService({ ...quiet, TTS_ENGINES_FILE: file, TTS_ENCODE_WORKERS: '0' }),
  ])
  const lines: string[] = []
  try {
    // The upstream's pcm cached first: the gateways' encoding, not the synthesis, is what is measured.
    for (let i = 0; i < TEXTS; i++) await (await post(upstream.url, uniqueLongText(i), 'pcm', 'en-us-f1')).arrayBuffer()
    // Warm each gateway's encoders (on the event loop, the codecs' first use is cold).
    for (const g of [pooled, inPlace]) for (const f of ['opus', 'aac']) await (await post(g.url, 'Warm up.', f)).arrayBuffer()
    const workers = await transcodeBurst(pooled, 'workers')
    const loop = await transcodeBurst(inPlace, 'event loop')
    const p99w = quantile(workers, 0.99)
    const p99l = quantile(loop, 0.99)
    lines.push(`Gateway transcoding: /healthz back to back while ${TEXTS} long texts are transcoded to Opus and to AAC, ${CONCURRENCY} at a time:`)
    lines.push(
      `  ${verdict('p99 with encode workers <= half of p99 on the event loop', p99w <= p99l / 2, `workers p50 ${fmt(quantile(workers, 0.5), 2)} / p99 ${fmt(p99w, 2)} / max ${fmt(Math.max(...workers), 1)} ms vs event loop p50 ${fmt(quantile(loop, 0.5), 2)} / p99 ${fmt(p99l, 2)} / max ${fmt(Math.max(...loop), 1)} ms`)}`,
    )
  } finally {
    await Promise.all([pooled.stop(), inPlace.stop(), upstream.stop()])
  }
  return lines
}
