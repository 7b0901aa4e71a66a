/**
 * A real Prometheus (Debian package) started on a free loopback port, scraping the
 * targets a test names every second, with exemplar storage on as in compose.yaml.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, waitUntil } from './wait.ts'

export interface PrometheusServer {
  url: string
  /** GET an API path and return its `data`, failing on an error status. */
  api<T = unknown>(path: string, params?: Record<string, string>): Promise<T>
  stop(): Promise<void>
}

/**
 * @example
 * const prom = await startPrometheus([`127.0.0.1:${svc.port}`])
 * const result = await prom.api('/api/v1/query', { query: 'up' })
 */
export async function startPrometheus(targets: string[], ruleFiles: string[] = []): Promise<PrometheusServer> {
  const binary = Bun.which('prometheus')
  if (!binary) throw new Error('prometheus not found: install the Debian package "prometheus" (.ci/run does)')
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-test-'))
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: ruleFiles,
    scrape_configs: [{ job_name: 'tts-edge', static_configs: [{ targets }] }],
  }
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config))
  const port = await freePort()
  const proc = Bun.spawn(
    [
      binary,
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--enable-feature=exemplar-storage',
      '--web.enable-remote-write-receiver',
    ],
    { stdout: 'ignore', stderr: 'pipe' },
  )
  const url = `http://127.0.0.1:${port}`
  await waitUntil(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true, 30_000, 'Prometheus ready')
  return {
    url,
    async api<T>(path: string, params: Record<string, string> = {}) {
      const res = await fetch(`${url}${path}?${new URLSearchParams(params)}`)
      const body = (await res.json()) as { status: string; data: T; error?: string }
      if (body.status !== 'success') throw new Error(`Prometheus ${path} ${JSON.stringify(params)}: ${body.error}`)
      return body.data
    },
    async stop() {
      proc.kill('SIGTERM')
      await proc.exited
    },
  }
}
