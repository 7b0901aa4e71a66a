/**
 * A tts-edge gateway in front of other real tts-edge processes: writes an engines file,
 * starts the service with it, and reads its metrics. Used by the gateway tests and bench.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startService, type RunningService } from './service.ts'

/**
 * @example
 * const gateway = await startGateway({ engines: { up: { kind: 'openai', url: `${upstream.url}/v1` } }, default: 'up' })
 */
export async function startGateway(file: unknown, env: Record<string, string> = {}): Promise<RunningService> {
  const path = join(mkdtempSync(join(tmpdir(), 'tts-gateway-')), 'engines.json')
  writeFileSync(path, JSON.stringify(file))
  return startService({ TTS_ENGINES_FILE: path, ...env })
}

/** The value of one sample line of `/metrics` (0 when absent). */
export async function metricValue(svc: RunningService, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${svc.url}/metrics`)).text()
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (wanted.every((w) => line.includes(w))) return Number(line.split(' ')[1])
  }
  return 0
}
