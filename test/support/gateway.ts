/**
 * A tts-edge gateway in front of other real tts-edge processes: writes an engines file,
 * starts the service with it, and reads its metrics. Used by the gateway tests and bench.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts'
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

export interface GatewayStack {
  /** The upstream tts-edge. */
  upstream: RunningService
  /** The fault proxy in front of it (`up` engines point here). */
  proxy: FaultProxy
  gateway: RunningService
  stop(): Promise<void>
}

/**
 * An upstream tts-edge, a fault proxy in front of it, and a gateway whose engines file
 * `engines(proxyUrl, upstreamUrl)` writes.
 *
 * @example
 * const stack = await startGatewayStack((proxy) => ({ engines: { up: { kind: 'openai', url: `${proxy}/v1` } } }))
 */
export async function startGatewayStack(
  engines: (proxyUrl: string, upstreamUrl: string) => unknown,
  env: { upstream?: Record<string, string>; gateway?: Record<string, string> } = {},
): Promise<GatewayStack> {
  const upstream = await startService(env.upstream)
  const proxy = await startFaultProxy(upstream.port)
  const gateway = await startGateway(engines(proxy.url, upstream.url), env.gateway)
  return {
    upstream,
    proxy,
    gateway,
    async stop() {
      proxy.stop()
      await Promise.all([gateway.stop(), upstream.stop()])
    },
  }
}
