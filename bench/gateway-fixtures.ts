/**
 * What bench/gateway-cost.ts and bench/gateway-memory.ts share: the upstream's fixed answer
 * and the engines file that points a gateway at it.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** A ~8 KB mp3 (2 s, 32 kbit/s, 24 kHz mono) made by ffmpeg, as an engine would send it. */
export function makeMp3(dir: string): string {
  const path = join(dir, 'answer.mp3')
  const args = ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=220:duration=2:sample_rate=24000', '-ac', '1', '-b:a', '32k', path]
  const run = Bun.spawnSync(['ffmpeg', ...args], { stderr: 'pipe' })
  if (run.exitCode !== 0) throw new Error(`ffmpeg failed: ${run.stderr.toString()}`)
  return path
}

/** An engines file naming one `openai` engine at `upstreamUrl`, with room for every request in flight. */
export function enginesFile(dir: string, name: string, upstreamUrl: string): string {
  const path = join(dir, `${name}.json`)
  writeFileSync(path, JSON.stringify({ engines: { up: { kind: 'openai', url: `${upstreamUrl}/v1`, max_concurrency: 256, max_queue: 1000 } }, default: 'up' }))
  return path
}

