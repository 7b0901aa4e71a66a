/**
 * Spawns the real service for a benchmark: like the test harness, but its stdout is
 * drained unparsed so the load generator's own work stays small and equal on both sides.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface BenchService {
  url: string
  pid: number
  stop(): Promise<void>
}

const ROOT = join(import.meta.dir, '..')

export async function spawnService(env: Record<string, string>): Promise<BenchService> {
  const proc = Bun.spawn([process.execPath, 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: '0',
      HOST: '127.0.0.1',
      TTS_CACHE_DIR: mkdtempSync(join(tmpdir(), 'tts-bench-cache-')),
      ...env,
    },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let seen = ''
  let url = ''
  while (!url) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`service exited before listening:\n${seen}`)
    seen += decoder.decode(value, { stream: true })
    url = seen.match(/"msg":"tts-edge listening"[^\n]*"url":"([^"]+)"|"url":"([^"]+)"[^\n]*"msg":"tts-edge listening"/)?.slice(1).find(Boolean) ?? ''
  }
  void (async () => {
    while (!(await reader.read()).done) {
      // Drain: the service must never block on a full stdout pipe.
    }
  })()
  return {
    url: url.replace(/\/$/, ''),
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
      return Response.json({})
    },
  })
  return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) }
}
