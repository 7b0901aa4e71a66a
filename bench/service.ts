/**
 * Spawns the real service for a benchmark: like the test harness, but its stdout is
 * drained unparsed so the load generator's own work stays small and equal on both sides.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { useRunTempDir } from '../test/support/run-temp-dir.ts'
import { freePort, waitUntil } from '../test/support/wait.ts'

// A one-off driver that imports this module without `bun run bench` still gets a run directory
// of its own, removed at exit, for the cache and data directories below (bench/index.ts's
// run directory is reused when there is one).
process.once('exit', useRunTempDir('bench'))

export interface BenchService {
  url: string
  pid: number
  stop(): Promise<void>
}

const ROOT = join(import.meta.dir, '..')

/** A service's environment with every signal off: no spans, no metrics, no log lines. */
export const TELEMETRY_OFF = { OTEL_SDK_DISABLED: 'true', TTS_METRICS_ENABLED: 'false', LOG_LEVEL: 'silent' }

/**
 * Extra `bun` flags for the spawned services, from BENCH_BUN_FLAGS: profile the service under
 * a benchmark's load, e.g. `BENCH_BUN_FLAGS='--cpu-prof-md --cpu-prof-dir=/tmp/prof' bun run bench instrumentation`.
 */
const runtimeFlags = () => (process.env.BENCH_BUN_FLAGS ?? '').split(' ').filter(Boolean)

/**
 * The service (`src/main.ts`), or another server script that listens on `PORT` and answers
 * `GET /readyz` (e.g. the bare Hono baseline), as its own process.
 *
 * @example
 * const svc = await spawnService({ LOG_LEVEL: 'silent' })
 * const bare = await spawnService({ BARE_BODY_FILE: file }, 'bench/bare-hono.ts')
 * const before = await spawnService({}, 'src/main.ts', '/tmp/checkout-of-main') // an A/B against another build
 */
export async function spawnService(env: Record<string, string>, entry = 'src/main.ts', root = ROOT): Promise<BenchService> {
  // A known port and a readiness poll: with LOG_LEVEL=silent there is no "listening" line to read.
  const port = await freePort()
  const proc = Bun.spawn([process.execPath, ...runtimeFlags(), entry], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(port),
      HOST: '127.0.0.1',
      TTS_CACHE_DIR: mkdtempSync(join(tmpdir(), 'tts-bench-cache-')),
      TTS_DATA_DIR: mkdtempSync(join(tmpdir(), 'tts-bench-data-')),
      // Nothing routes to a benchmark's service: stop at once.
      TTS_SHUTDOWN_DRAIN_MS: '0',
      ...env,
    },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  void (async () => {
    // Drain unparsed: the service must never block on a full stdout pipe.
    for await (const _ of proc.stdout as unknown as AsyncIterable<Uint8Array>) void _
  })()
  const url = `http://127.0.0.1:${port}`
  await waitUntil(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true, 60_000, 'service ready')
  return {
    url,
    pid: proc.pid,
    async stop() {
      proc.kill('SIGTERM')
      await proc.exited
    },
  }
}

/** An OTLP endpoint that accepts and discards, standing in for a healthy collector. */
export function otlpSink(): { endpoint: string; stop(): void } {
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      await req.arrayBuffer()
      // A collector answers in the request's encoding: an empty ExportLogs/TraceServiceResponse is zero bytes.
      if ((req.headers.get('content-type') ?? '').includes('protobuf')) return new Response(null, { headers: { 'content-type': 'application/x-protobuf' } })
      return Response.json({})
    },
  })
  return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) }
}
