/**
 * `bun run bench gateway-store`: what the cache store costs a gateway's miss in the service
 * itself, not in a loop (`bench cache-store`): CPU per proxied request (telemetry off, each
 * request a new 20-word text, the upstream's ~8 KB mp3 streamed through) with the cache and
 * with it switched off, for this build and each BENCH_BASELINE_ROOT build, all in the same
 * rotating rounds. The store's cost is each build's (cache - no cache), taken per round (the
 * two ran side by side) and its median printed with its quartiles.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { enginesFile, makeMp3 } from './gateway-fixtures.ts'
import { type BenchService, spawnService, TELEMETRY_OFF } from './service.ts'
import { fmt, processCpuSeconds, quantile } from './stats.ts'
import { TWENTY_WORDS } from './texts.ts'

const CONNECTIONS = 8
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9)
const ROUND_SECONDS = 2
// A gateway's JIT is still compiling 10 s into its load (bench/RESULTS.md, gateway-cost).
const WARMUP_SECONDS = 15
const NO_CACHE = { TTS_CACHE_MAX_BYTES: '0', TTS_CACHE_MEMORY_BYTES: '0' }

/** A wrk script whose every request carries a new 20-word text (a miss for any cache). */
function wrkScript(dir: string, round: string): string {
  const path = join(dir, `unique-${round}.lua`)
  const prefix = TWENTY_WORDS.replace(/today\.$/, '')
  const body = `'{"model":"tts-1","voice":"alloy","response_format":"mp3","input":"${prefix}${round} ' .. n .. '."}'`
  const lines = ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"', 'local n = 0', 'request = function()', '  n = n + 1', `  local body = ${body}`, '  return wrk.format(nil, "/v1/audio/speech", nil, body)', 'end', '']
  writeFileSync(path, lines.join('\n'))
  return path
}

async function cpuPerRequest(svc: BenchService, script: string, seconds: number): Promise<number> {
  const cpu0 = processCpuSeconds(svc.pid)
  const proc = Bun.spawn(['wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, svc.url], { stdout: 'pipe', stderr: 'pipe' })
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
  const requests = Number(out.match(/(\d+) requests in/)?.[1])
  if (code !== 0 || !Number.isFinite(requests)) throw new Error(`wrk failed (${code}): ${out}`)
  if (/Non-2xx|Socket errors/.test(out)) throw new Error(`requests failed: ${out}`)
  return ((processCpuSeconds(svc.pid) - cpu0) / requests) * 1e6
}

export async function benchGatewayStore(): Promise<string[]> {
  if (!Bun.which('wrk')) return ['gateway-store needs Debian `wrk` (apt-get install wrk)']
  const dir = mkdtempSync(join(tmpdir(), 'tts-bench-gateway-store-'))
  const builds: [string, string | undefined][] = [['this build', undefined], ...(process.env.BENCH_BASELINE_ROOT ?? '').split(',').filter(Boolean).map((root): [string, string] => [basename(root), root])]
  const started: BenchService[] = []
  try {
    const upstream = await spawnService({ UPSTREAM_BODY_FILE: makeMp3(dir) }, 'bench/fixed-upstream.ts')
    started.push(upstream)
    const variants: { label: string; svc: BenchService }[] = []
    for (const [name, root] of builds) {
      for (const [kind, env] of [['cache', {}], ['no cache', NO_CACHE]] as const) {
        const label = `${name}, ${kind}`
        const svc = await spawnService({ ...TELEMETRY_OFF, ...env, TTS_ENGINES_FILE: enginesFile(dir, label.replace(/\W+/g, '-'), upstream.url) }, 'src/main.ts', root)
        started.push(svc)
        variants.push({ label, svc })
      }
    }
    for (const v of variants) await cpuPerRequest(v.svc, wrkScript(dir, `warm-${variants.indexOf(v)}`), WARMUP_SECONDS)
    const rounds = variants.map(() => [] as number[])
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < variants.length; k++) {
        const n = (r + k) % variants.length
        rounds[n]!.push(await cpuPerRequest(variants[n]!.svc, wrkScript(dir, `r${r}-${n}`), ROUND_SECONDS))
      }
    }
    const median = (xs: number[]) => quantile(xs, 0.5)
    return [
      `Gateway miss with its cache store, telemetry off: CPU per proxied request in the gateway process (wrk, ${CONNECTIONS} connections, every request a new 20-word text; median of ${ROUNDS} rotating ${ROUND_SECONDS} s rounds after ${WARMUP_SECONDS} s of warm-up each):`,
      ...variants.map((v, n) => `  ${v.label.padEnd(26)} ${fmt(median(rounds[n]!), 1).padStart(7)} µs  (rounds ${rounds[n]!.map((x) => fmt(x, 0)).join(', ')})`),
      ...builds.map(([name], b) => {
        const diffs = rounds[2 * b]!.map((x, r) => x - rounds[2 * b + 1]![r]!)
        return `  the store, ${name} (cache - no cache, per round): median ${fmt(median(diffs), 1)} µs, quartiles ${fmt(quantile(diffs, 0.25), 1)} to ${fmt(quantile(diffs, 0.75), 1)} µs`
      }),
    ]
  } finally {
    await Promise.all(started.map((svc) => svc.stop()))
    rmSync(dir, { recursive: true, force: true })
  }
}
