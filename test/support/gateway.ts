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
