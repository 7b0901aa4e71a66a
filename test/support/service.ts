/**
 * Starts the real service (`bun src/main.ts`) on a free port, as a user would, and
 * collects its JSON log lines. Tests talk to it over 127.0.0.1 only.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface RunningService {
  url: string
  port: number
  /** Every stdout line parsed as JSON (non-JSON lines are kept as `{ raw }`). */
  logs: Record<string, unknown>[]
  /** Raw stdout+stderr, for grepping secrets. */
  output(): string
  /** Resolves when a log line matching `predicate` has been printed. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
  /** SIGTERM, then the exit code. */
  stop(): Promise<number>
  proc: ReturnType<typeof Bun.spawn>
}

const ROOT = join(import.meta.dir, '..', '..')

/**
 * @example
 * const svc = await startService({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint })
 * const res = await fetch(`${svc.url}/healthz`)
 * await svc.stop()
 */
export async function startService(env: Record<string, string> = {}, timeoutMs = 60_000): Promise<RunningService> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'tts-edge-test-cache-'))
  // Durable state (usage ledger, dictionaries) too: each service its own, never the checkout's .data.
  const dataDir = mkdtempSync(join(tmpdir(), 'tts-edge-test-data-'))
  const proc = Bun.spawn([process.execPath, 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: '0',
      HOST: '127.0.0.1',
      TTS_CACHE_DIR: cacheDir,
      TTS_DATA_DIR: dataDir,
      TTS_MAX_CONCURRENCY: '2',
      LOG_LEVEL: 'info',
      // Unless a test points it at a receiver, export to a closed port: it must degrade quietly.
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      TTS_SHUTDOWN_FLUSH_MS: '1000',
      // No load balancer to wait for; drain.test.ts and the fleet test set a window.
      TTS_SHUTDOWN_DRAIN_MS: '0',
      ...env,
    },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const logs: Record<string, unknown>[] = []
  let text = ''
  const waiters: { predicate: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = []
  const onLine = (line: string) => {
    let parsed: Record<string, unknown>
    try {
      parsed = JSON.parse(line)
    } catch {
      parsed = { raw: line }
    }
    logs.push(parsed)
    for (const w of [...waiters]) {
      if (w.predicate(parsed)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(parsed)
      }
    }
  }
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let pending = ''
    const decoder = new TextDecoder()
    for await (const bytes of stream as unknown as AsyncIterable<Uint8Array>) {
      const chunk = decoder.decode(bytes, { stream: true })
      text += chunk
      pending += chunk
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) if (line.trim()) onLine(line)
    }
    if (pending.trim()) onLine(pending)
  }
  void pump(proc.stdout as ReadableStream<Uint8Array>)
  void pump(proc.stderr as ReadableStream<Uint8Array>)

  const waitForLog = (predicate: (l: Record<string, unknown>) => boolean, ms = 15_000) => {
    const found = logs.find(predicate)
    if (found) return Promise.resolve(found)
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line within ${ms} ms; output:\n${text.slice(-4000)}`)), ms)
      waiters.push({
        predicate,
        resolve: (l) => {
          clearTimeout(timer)
          resolve(l)
        },
      })
      void proc.exited.then(() => {
        clearTimeout(timer)
        reject(new Error(`service exited (${proc.exitCode}) before the expected log line; output:\n${text.slice(-4000)}`))
      })
    })
  }

  const listening = await waitForLog((l) => l.msg === 'tts-edge listening', timeoutMs)
  const url = String(listening.url).replace(/\/$/, '')
  return {
    url,
    port: Number(new URL(url).port),
    logs,
    output: () => text,
    waitForLog,
    proc,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM')
      return proc.exited
    },
  }
}
