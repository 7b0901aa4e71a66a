/**
 * `bun run bench gateway-telemetry` (only when named): where a gateway miss's telemetry goes,
 * one signal at a time. The same gateway as gateway-cost's (one `openai` engine in front of
 * the fixed ~8 KB mp3 upstream, every request a new 20-word text, its cache switched off so
 * the store's kernel time stays out of a telemetry figure), in variants that switch the
 * signals on one by one with their standard settings, loaded in rotating rounds:
 * - telemetry off (OTEL_SDK_DISABLED, TTS_METRICS_ENABLED=false, LOG_LEVEL=silent);
 * - metrics only; traces only (spans and the keep decision, no log line); the summary line
 *   to stdout only; the summary line as an OTLP record only;
 * - every signal on at the default sampling, and at TTS_TRACE_KEEP_RATIO 0 and 1 (what a
 *   kept trace costs over a dropped one);
 * - every signal on and telemetry off with the cache on, as gateway-cost runs them.
 * BENCH_BASELINE_ROOT=/path/to/checkout adds that build's "every signal on" and "telemetry
 * off" (cache off) to the same rounds, with each round's paired difference (on - off) for
 * both builds: telemetry's cost per miss, this build against that one.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { asProxy, cpuPerRequest, wrkScript, type Proxy } from './gateway-cost.ts'
import { enginesFile, makeMp3 } from './gateway-fixtures.ts'
import { otlpSink, spawnService, TELEMETRY_OFF } from './service.ts'
import { fmt, quantile, rotatingRounds } from './stats.ts'

const WARMUP_SECONDS = () => Number(process.env.BENCH_GT_WARMUP ?? 12)
const ROUND_SECONDS = 2
const rounds = () => Number(process.env.BENCH_GT_ROUNDS ?? 7)
const baselineRoots = () => (process.env.BENCH_BASELINE_ROOT ?? '').split(',').filter(Boolean)

interface Variant {
  label: string
  env: Record<string, string>
  /** Another build's checkout (BENCH_BASELINE_ROOT). */
  root?: string
  /** The telemetry-off variant this one's cost is read against. */
  against?: string
}

export async function benchGatewayTelemetry(): Promise<string[]> {
  if (!Bun.which('wrk')) return ['Gateway telemetry: skipped, needs Debian `wrk` (apt-get install wrk)']
  const dir = mkdtempSync(join(tmpdir(), 'tts-bench-gateway-telemetry-'))
  const sink = otlpSink()
  const mp3 = makeMp3(dir)
  const upstream = await spawnService({ UPSTREAM_BODY_FILE: mp3 }, 'bench/fixed-upstream.ts')
  const proxies: Proxy[] = []
  try {
    const otlp = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint }
    const noCache = { TTS_CACHE_MAX_BYTES: '0', TTS_CACHE_MEMORY_BYTES: '0' }
    const off = TELEMETRY_OFF
    const on = { ...otlp, LOG_LEVEL: 'info' }
    // Each variant with the telemetry-off variant it is read against (none: it is one).
    const variants: Variant[] = [
      { label: 'telemetry off', env: { ...off, ...noCache } },
      { label: 'metrics only', env: { ...off, TTS_METRICS_ENABLED: 'true', ...noCache }, against: 'telemetry off' },
      {
        label: 'traces only (spans, keep decision)',
        env: { ...otlp, TTS_METRICS_ENABLED: 'false', LOG_LEVEL: 'silent', OTEL_LOGS_EXPORTER: 'none', ...noCache },
        against: 'telemetry off',
      },
      { label: 'summary line, stdout only', env: { ...off, LOG_LEVEL: 'info', ...noCache }, against: 'telemetry off' },
      {
        label: 'summary line, OTLP record only',
        env: { ...otlp, OTEL_TRACES_EXPORTER: 'none', TTS_METRICS_ENABLED: 'false', LOG_LEVEL: 'info', TTS_LOG_EXPORT: 'otlp', ...noCache },
        against: 'telemetry off',
      },
      { label: 'every signal on', env: { ...on, ...noCache }, against: 'telemetry off' },
      { label: 'every signal on, keep ratio 0', env: { ...on, TTS_TRACE_KEEP_RATIO: '0', ...noCache }, against: 'telemetry off' },
      { label: 'every signal on, keep ratio 1', env: { ...on, TTS_TRACE_KEEP_RATIO: '1', ...noCache }, against: 'telemetry off' },
      { label: 'telemetry off, cache', env: off },
      { label: 'every signal on, cache', env: on, against: 'telemetry off, cache' },
    ]
    for (const root of baselineRoots()) {
      const name = basename(root)
      variants.push({ label: `${name}, telemetry off`, env: { ...off, ...noCache }, root })
      variants.push({ label: `${name}, every signal on`, env: { ...on, ...noCache }, root, against: `${name}, telemetry off` })
    }
    for (const { label, env, root } of variants) {
      const svc = await spawnService({ ...env, TTS_ENGINES_FILE: enginesFile(dir, label.replace(/\W+/g, '-'), upstream.url) }, 'src/main.ts', root)
      proxies.push(asProxy(label, svc))
    }
    for (const p of proxies) await cpuPerRequest(p, wrkScript(dir, `warm-${p.pid}`), WARMUP_SECONDS())
    const us = await rotatingRounds(proxies, rounds(), async (p, i) => (await cpuPerRequest(p, wrkScript(dir, `r${i}-${p.pid}`), ROUND_SECONDS)).us)
    const median = (n: number) => quantile(us[n]!, 0.5)
    // Each round's difference to telemetry off in the same round: the drift between rounds cancels.
    const paired = (n: number, base: number) => us[n]!.map((x, i) => x - us[base]![i]!)
    const over = (n: number, base: number) => {
      const d = paired(n, base)
      return `${signed(quantile(d, 0.5))} µs (quartiles ${signed(quantile(d, 0.25))} to ${signed(quantile(d, 0.75))})`
    }
    const lines = [
      `Gateway telemetry, one signal at a time: CPU per proxied miss in the gateway process (wrk, 8 connections, every request a new 20-word text, ~8 KB mp3 streamed through, cache off unless named; median of ${rounds()} rotating ${ROUND_SECONDS} s rounds after ${WARMUP_SECONDS()} s of warm-up; "over off": median of each round's difference to telemetry off in the same round):`,
    ]
    variants.forEach((v, n) => {
      const p = proxies[n]!
      const tail = v.against ? `  over off ${over(n, variants.findIndex((o) => o.label === v.against))}` : ''
      lines.push(`  ${p.label.padEnd(40)} ${fmt(median(n), 1).padStart(7)} µs${tail}  (rounds ${us[n]!.map((x) => fmt(x, 0)).join(', ')})`)
    })
    return lines
  } finally {
    await Promise.all(proxies.map((p) => p.stop()))
    await upstream.stop()
    sink.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${fmt(x, 1)}`
