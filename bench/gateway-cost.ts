/**
 * `bun run bench gateway-cost`: what tts-edge itself costs per request it carries to an
 * upstream, against what a proxy must cost for the same job, on the same upstream and in the
 * same run:
 * - HAProxy (Debian's, `mode http`): the reference for a proxy's cost on this machine;
 * - a bare Bun `fetch` passthrough (bench/bare-passthrough.ts): no validation, telemetry or cache;
 * - tts-edge as a gateway (an engines file with one `openai` engine), every signal on, each
 *   request a new 20-word text, so each is a miss with its cache store; and the same gateway
 *   with parts switched off, which says where the difference goes.
 * The upstream (bench/fixed-upstream.ts) answers a fixed ~8 KB mp3, streamed through
 * untranscoded. CPU is each proxy process's own (/proc/<pid>/stat), so neither the load
 * generator nor the upstream is counted. Then the gateway's resident memory per request in
 * flight, 200 at once, against an upstream that holds each answer for a second.
 *
 * BENCH_BASELINE_ROOT=/path/to/checkout[,/path/to/another] adds each build's gateway (every
 * signal on) to the same rounds: an A/B of changes, side by side in one run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { freePort, waitUntil } from '../test/support/wait.ts'
import { otlpSink, spawnService, type BenchService } from './service.ts'
import { fmt, processCpuSeconds, processRssBytes, quantile, runConcurrently, verdict } from './stats.ts'
import { TWENTY_WORDS } from './texts.ts'

const CONNECTIONS = 8
const ROUNDS = 3
const ROUND_SECONDS = 2
const WARMUP_SECONDS = 4
const BURST = 200

interface Proxy {
  label: string
  url: string
  pid: number
  stop(): Promise<void>
}

/** A ~8 KB mp3 (2 s, 32 kbit/s, 24 kHz mono) made by ffmpeg, as an engine would send it. */
function makeMp3(dir: string): string {
  const path = join(dir, 'answer.mp3')
  const args = ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=220:duration=2:sample_rate=24000', '-ac', '1', '-b:a', '32k', path]
  const run = Bun.spawnSync(['ffmpeg', ...args], { stderr: 'pipe' })
  if (run.exitCode !== 0) throw new Error(`ffmpeg failed: ${run.stderr.toString()}`)
  return path
}

/** A wrk script whose every request carries a new 20-word text (a miss for any cache). */
function wrkScript(dir: string, round: string): string {
  const path = join(dir, `unique-${round}.lua`)
  const prefix = TWENTY_WORDS.replace(/today\.$/, '')
  writeFileSync(
    path,
    [
      'wrk.method = "POST"',
      'wrk.headers["Content-Type"] = "application/json"',
      'local n = 0',
      'request = function()',
      '  n = n + 1',
      `  local body = '{"model":"tts-1","voice":"alloy","response_format":"mp3","input":"${prefix}${round} ' .. n .. '."}'`,
      '  return wrk.format(nil, "/v1/audio/speech", nil, body)',
      'end',
      '',
    ].join('\n'),
  )
  return path
}

async function wrk(url: string, script: string, seconds: number): Promise<{ requests: number; failures: number }> {
  const proc = Bun.spawn(['wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, url], { stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  const requests = Number(out.match(/(\d+) requests in/)?.[1])
  if (code !== 0 || !Number.isFinite(requests)) throw new Error(`wrk failed (${code}): ${out}${err}`)
  const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0)
  const socket = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/)
  return { requests, failures: non2xx + (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) }
}

/** HAProxy in front of the upstream: keep-alive both sides, no logging, Debian's defaults otherwise. */
async function startHaproxy(dir: string, upstreamPort: number): Promise<Proxy> {
  const binary = Bun.which('haproxy') ?? Bun.which('haproxy', { PATH: '/usr/sbin:/usr/local/sbin' })
  if (!binary) throw new Error('haproxy is not installed (Debian: apt-get install haproxy)')
  const port = await freePort()
  const config = join(dir, 'haproxy.cfg')
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 4096',
      'defaults',
      '  mode http',
      '  option http-keep-alive',
      '  timeout connect 5s',
      '  timeout client 30s',
      '  timeout server 30s',
      'frontend speech',
      `  bind 127.0.0.1:${port}`,
      '  default_backend upstream',
      'backend upstream',
      `  server up 127.0.0.1:${upstreamPort}`,
      '',
    ].join('\n'),
  )
  const proc = Bun.spawn([binary, '-db', '-f', config], { stdout: 'ignore', stderr: 'ignore' })
  const url = `http://127.0.0.1:${port}`
  await waitUntil(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true, 10_000, 'haproxy up')
  return {
    label: 'HAProxy (mode http)',
    url,
    pid: proc.pid,
    async stop() {
      proc.kill()
      await proc.exited
    },
  }
}

/** BENCH_BASELINE_ROOT=/path/to/checkout[,...]: each build's gateway, every signal on, in the same rounds (an A/B). */
const baselineRoots = () => (process.env.BENCH_BASELINE_ROOT ?? '').split(',').filter(Boolean)

const asProxy = (label: string, svc: BenchService): Proxy => ({ label, ...svc })

function enginesFile(dir: string, name: string, upstreamUrl: string): string {
  const path = join(dir, `${name}.json`)
  writeFileSync(path, JSON.stringify({ engines: { up: { kind: 'openai', url: `${upstreamUrl}/v1`, max_concurrency: 256, max_queue: 1000 } }, default: 'up' }))
  return path
}

async function cpuPerRequest(proxy: Proxy, script: string, seconds: number) {
  const cpu0 = processCpuSeconds(proxy.pid)
  const { requests, failures } = await wrk(proxy.url, script, seconds)
  const cpu = processCpuSeconds(proxy.pid) - cpu0
  if (failures) throw new Error(`${proxy.label}: ${failures} of ${requests} requests failed`)
  return { us: (cpu / requests) * 1e6, requests }
}

async function cpuComparison(dir: string): Promise<string[]> {
  const mp3 = makeMp3(dir)
  const sink = otlpSink()
  const started: { stop(): Promise<void> }[] = []
  try {
    const upstream = await spawnService({ UPSTREAM_BODY_FILE: mp3 }, 'bench/fixed-upstream.ts')
    started.push(upstream)
    const upstreamPort = Number(new URL(upstream.url).port)
    const signals = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, LOG_LEVEL: 'info' }
    const off = { OTEL_SDK_DISABLED: 'true', TTS_METRICS_ENABLED: 'false', LOG_LEVEL: 'silent' }
    const noCache = { TTS_CACHE_MAX_BYTES: '0', TTS_CACHE_MEMORY_BYTES: '0' }
    const gateway = (label: string, env: Record<string, string>, root?: string) =>
      spawnService({ ...env, TTS_ENGINES_FILE: enginesFile(dir, label.replace(/\W+/g, '-'), upstream.url) }, 'src/main.ts', root).then((svc) => asProxy(label, svc))
    const proxies: Proxy[] = []
    const keep = (p: Proxy) => (started.push(p), proxies.push(p), p)
    keep(await startHaproxy(dir, upstreamPort))
    keep(asProxy('bare Bun fetch passthrough', await spawnService({ PASSTHROUGH_UPSTREAM: upstream.url }, 'bench/bare-passthrough.ts')))
    keep(await gateway('tts-edge gateway, every signal on', signals))
    keep(await gateway('tts-edge gateway, telemetry off', off))
    keep(await gateway('tts-edge gateway, every signal on, no cache', { ...signals, ...noCache }))
    keep(await gateway('tts-edge gateway, telemetry off, no cache', { ...off, ...noCache }))
    for (const root of baselineRoots()) keep(await gateway(`${basename(root)}, every signal on`, signals, root))

    for (const p of proxies) await cpuPerRequest(p, wrkScript(dir, `warm-${p.pid}`), WARMUP_SECONDS)
    const rounds = proxies.map(() => [] as number[])
    const counts = proxies.map(() => [] as number[])
    for (let i = 0; i < ROUNDS; i++) {
      for (const [n, p] of proxies.entries()) {
        const { us, requests } = await cpuPerRequest(p, wrkScript(dir, `r${i}-${p.pid}`), ROUND_SECONDS)
        rounds[n]!.push(us)
        counts[n]!.push(requests)
      }
    }
    const us = rounds.map((r) => quantile(r, 0.5))
    const [haproxy, bare, on, offUs, onNoCache, offNoCache] = us as [number, number, number, number, number, number]
    const delta = (a: number, b: number) => `${a >= b ? '+' : ''}${fmt(a - b, 0)} µs`
    return [
      `Gateway cost: CPU per proxied request in the proxy process (wrk, ${CONNECTIONS} connections, every request a new 20-word text; ~8 KB mp3 streamed through; median of ${ROUNDS} alternating ${ROUND_SECONDS} s rounds after ${WARMUP_SECONDS} s of warm-up):`,
      ...proxies.map(
        (p, n) =>
          `  ${p.label.padEnd(46)} ${fmt(us[n]!, 1).padStart(7)} µs  (rounds ${rounds[n]!.map((x) => fmt(x, 0)).join(', ')}; ~${fmt(quantile(counts[n]!, 0.5) / ROUND_SECONDS, 0)} req/s)  x${fmt(us[n]! / bare)} bare Bun, x${fmt(us[n]! / haproxy)} HAProxy`,
      ),
      verdict('gateway, every signal on <= 2.0x the bare Bun passthrough', on <= 2 * bare, `${fmt(on, 1)} vs ${fmt(bare, 1)} µs, ratio ${fmt(on / bare)} (x${fmt(on / haproxy)} HAProxy)`),
      `  where the difference goes (${delta(on, bare)} over the bare passthrough):`,
      `    telemetry (on - off)                     ${delta(on, offUs)}`,
      `    the cache store (with - without, off)    ${delta(offUs, offNoCache)}`,
      `    the cache store (with - without, on)     ${delta(on, onNoCache)}`,
      `    the gateway itself (off, no cache - bare) ${delta(offNoCache, bare)}`,
    ]
  } finally {
    await Promise.all(started.map((s) => s.stop()))
    sink.stop()
  }
}

/** RSS per request in flight with BURST at once, measured on a second burst so the first one's heap growth is not counted. */
async function memoryPerRequest(dir: string): Promise<string[]> {
  const mp3 = join(dir, 'answer.mp3')
  const sink = otlpSink()
  const started: BenchService[] = []
  try {
    const upstream = await spawnService({ UPSTREAM_BODY_FILE: mp3, UPSTREAM_DELAY_MS: '1000' }, 'bench/fixed-upstream.ts')
    started.push(upstream)
    const gateway = await spawnService({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, LOG_LEVEL: 'info', TTS_ENGINES_FILE: enginesFile(dir, 'memory', upstream.url) })
    started.push(gateway)
    let n = 0
    const burst = async () => {
      const before = processRssBytes(gateway.pid)
      let inflight = 0
      let peak = before
      let peakInflight = 0
      let failed = 0
      const sampler = setInterval(() => {
        if (inflight < peakInflight) return
        ;[peak, peakInflight] = [Math.max(peak, processRssBytes(gateway.pid)), inflight]
      }, 20)
      await runConcurrently(BURST, BURST, async () => {
        inflight++
        try {
          const res = await fetch(`${gateway.url}/v1/audio/speech`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: `${TWENTY_WORDS} Burst ${++n}.`, response_format: 'mp3' }),
          })
          if (res.status !== 200 || (await res.arrayBuffer()).byteLength < 1000) failed++
        } catch {
          failed++
        } finally {
          inflight--
        }
      })
      clearInterval(sampler)
      return { before, peak, peakInflight, failed }
    }
    const first = await burst()
    const second = await burst()
    const per = (b: typeof first) => (b.peakInflight ? (b.peak - b.before) / b.peakInflight : Number.NaN)
    const line = (label: string, b: typeof first) =>
      `  ${label}: ${fmt(b.before / 2 ** 20, 1)} MiB before, ${fmt(b.peak / 2 ** 20, 1)} MiB with ${b.peakInflight} in flight: ${fmt(per(b) / 1024, 1)} KiB per request (${b.failed} failed)`
    return [
      `Gateway memory: resident set per request in flight, ${BURST} at once, upstream holding each answer 1 s:`,
      line('first burst (includes the heap growing to hold them) ', first),
      line('second burst (the heap already grown once)         ', second),
      verdict('RSS per request in flight <= 16 KiB (second burst)', per(second) <= 16 * 1024 && second.failed === 0, `${fmt(per(second) / 1024, 1)} KiB`),
    ]
  } finally {
    await Promise.all(started.map((s) => s.stop()))
    sink.stop()
  }
}

export async function benchGatewayCost(): Promise<string[]> {
  if (!Bun.which('wrk')) return ['Gateway cost: skipped, needs Debian `wrk` (apt-get install wrk)']
  const dir = mkdtempSync(join(tmpdir(), 'tts-bench-gateway-cost-'))
  try {
    return [...(await cpuComparison(dir)), '', ...(await memoryPerRequest(dir))]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
