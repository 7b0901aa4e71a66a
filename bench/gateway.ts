/**
 * tts-edge as a gateway in front of a second tts-edge (docs/gateway.md), side by side:
 * - time to first byte through the gateway vs the upstream called directly (misses on both,
 *   same text, pcm streamed through), p50 and p95: target at most +5 ms;
 * - a cache hit answered by the gateway vs a cache hit answered by the upstream;
 * - 200 concurrent streamed requests through the gateway to one upstream: none may fail;
 *   the gateway's resident memory per request in flight is printed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnService } from './service.ts'
import { fmt, processRssBytes, quantile, runConcurrently, verdict } from './stats.ts'
import { TWENTY_WORDS } from './texts.ts'

const RUNS = 80
const WARMUP = 200
const BURST = 200

const post = (url: string, input: string, format = 'pcm') =>
  fetch(`${url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: 'en-us-f1', input, response_format: format }),
  })

/** ms to the first body byte; the rest of the body is drained before returning. */
async function firstByte(url: string, input: string): Promise<number> {
  const t = performance.now()
  const res = await post(url, input)
  const reader = res.body!.getReader()
  await reader.read()
  const ms = performance.now() - t
  while (!(await reader.read()).done);
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
  return ms
}

async function whole(url: string, input: string): Promise<number> {
  const t = performance.now()
  const res = await post(url, input, 'wav')
  await res.arrayBuffer()
  if (res.headers.get('x-cache') !== 'HIT') throw new Error('expected a cache hit')
  return performance.now() - t
}

export async function benchGateway(): Promise<string[]> {
  const quiet = { OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'warn' }
  // Room for the burst on both sides: the upstream queues it, the gateway lets it through.
  const upstream = await spawnService({ ...quiet, TTS_MAX_CONCURRENCY: '1', TTS_MAX_QUEUE: '1000' })
  const file = join(mkdtempSync(join(tmpdir(), 'tts-bench-gateway-')), 'engines.json')
  writeFileSync(
    file,
    JSON.stringify({ engines: { up: { kind: 'openai', url: `${upstream.url}/v1`, max_concurrency: BURST, max_queue: 1000, connect_timeout_ms: 120_000, first_byte_timeout_ms: 120_000, timeout_ms: 300_000 } } }),
  )
  const gateway = await spawnService({ ...quiet, TTS_ENGINES_FILE: file })
  const lines: string[] = []
  try {
    let n = 0
    const fresh = () => `${TWENTY_WORDS} Take ${++n}.`
    for (let i = 0; i < WARMUP; i++) await firstByte(i % 2 ? gateway.url : upstream.url, fresh())
    // Pairs alternate so that a shared machine's drift lands on both sides alike.
    const direct: number[] = []
    const through: number[] = []
    for (let i = 0; i < RUNS; i++) {
      direct.push(await firstByte(upstream.url, fresh()))
      through.push(await firstByte(gateway.url, fresh()))
    }
    lines.push(`Gateway: time to first byte on a miss, 20-word sentence, pcm, ${RUNS} alternating pairs (through the gateway vs the upstream directly):`)
    for (const q of [0.5, 0.95]) {
      const d = quantile(direct, q)
      const g = quantile(through, q)
      const added = g - d
      lines.push(`  ${verdict(`p${q * 100} added <= 5 ms`, added <= 5, `gateway ${fmt(g, 1)} ms vs upstream ${fmt(d, 1)} ms, +${fmt(added, 1)} ms`)}`)
    }

    const hitText = 'A cached answer, asked for again and again.'
    await post(upstream.url, hitText, 'wav').then((r) => r.arrayBuffer())
    await post(gateway.url, hitText, 'wav').then((r) => r.arrayBuffer())
    for (let i = 0; i < WARMUP; i++) await whole(i % 2 ? gateway.url : upstream.url, hitText)
    const hitDirect: number[] = []
    const hitThrough: number[] = []
    for (let i = 0; i < RUNS * 2; i++) {
      hitDirect.push(await whole(upstream.url, hitText))
      hitThrough.push(await whole(gateway.url, hitText))
    }
    const hd = quantile(hitDirect, 0.5)
    const hg = quantile(hitThrough, 0.5)
    lines.push(
      `  info  cache hit p50: gateway ${fmt(hg, 2)} ms vs upstream ${fmt(hd, 2)} ms, ratio ${fmt(hg / hd)} (p95 ${fmt(quantile(hitThrough, 0.95), 2)} vs ${fmt(quantile(hitDirect, 0.95), 2)} ms)`,
    )

    const baseline = processRssBytes(gateway.pid)
    let peak = baseline
    let inflight = 0
    let peakInflight = 0
    let failed = 0
    // RSS when the most requests were in flight at once (a later GC-timed peak would say nothing per request).
    const sampler = setInterval(() => {
      if (inflight < peakInflight) return
      ;[peak, peakInflight] = [Math.max(peak, processRssBytes(gateway.pid)), inflight]
    }, 20)
    const latencies = await runConcurrently(BURST, BURST, async (i) => {
      inflight++
      try {
        const res = await post(gateway.url, `Concurrent request ${i}. ${TWENTY_WORDS}`)
        const bytes = (await res.arrayBuffer()).byteLength
        if (res.status !== 200 || bytes < 1000) failed++
      } catch {
        failed++
      } finally {
        inflight--
      }
    })
    clearInterval(sampler)
    const perRequest = peakInflight ? (peak - baseline) / peakInflight : Number.NaN
    lines.push(
      `  ${verdict(`${BURST} concurrent streamed requests, none fails`, failed === 0, `${BURST - failed} ok, ${failed} failed, p50 ${fmt(quantile(latencies, 0.5), 0)} ms, p95 ${fmt(quantile(latencies, 0.95), 0)} ms`)}`,
    )
    lines.push(
      `  info  gateway RSS ${fmt(baseline / 2 ** 20, 1)} MiB idle, ${fmt(peak / 2 ** 20, 1)} MiB with ${peakInflight} in flight: ${fmt(perRequest / 1024, 1)} KiB per request in flight`,
    )
  } finally {
    await Promise.all([gateway.stop(), upstream.stop()])
  }
  return lines
}
