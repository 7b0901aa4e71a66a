/**
 * The OTel resource shared by traces and logs: who is emitting (service name, version,
 * instance), from config rather than process.env so tests can build several side by side.
 */
import { hostname } from 'node:os'
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources'
import type { Config } from '../config.ts'
import { version } from '../version.ts'

/**
 * Parses `OTEL_RESOURCE_ATTRIBUTES` (`k=v,k2=v2`, values percent-encoded); bad pairs are skipped
 * as the OTel spec asks.
 *
 * @example
 * parseResourceAttributes('deployment.environment=prod,team=voice') // { 'deployment.environment': 'prod', team: 'voice' }
 */
export function parseResourceAttributes(raw: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=')
    if (eq <= 0) continue
    try {
      out[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim())
    } catch {
      // A malformed percent-escape drops that pair only.
    }
  }
  return out
}

/**
 * Which replica this is, on spans, logs and metrics: `service.instance.id` from
 * `OTEL_RESOURCE_ATTRIBUTES` when set there, else the hostname (the pod name on
 * Kubernetes). Outside a container (not PID 1) the pid is appended, so two processes on
 * one machine are told apart.
 *
 * @example
 * instanceId(loadConfig({ OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=tts-edge-7d9f-abc' })) // 'tts-edge-7d9f-abc'
 */
export function instanceId(config: Pick<Config, 'OTEL_RESOURCE_ATTRIBUTES'>): string {
  const explicit = parseResourceAttributes(config.OTEL_RESOURCE_ATTRIBUTES)['service.instance.id']
  if (explicit) return explicit
  return process.pid === 1 ? hostname() : `${hostname()}:${process.pid}`
}

export function telemetryResource(config: Config): Resource {
  return resourceFromAttributes({
    ...parseResourceAttributes(config.OTEL_RESOURCE_ATTRIBUTES),
    'service.name': config.OTEL_SERVICE_NAME,
    'service.version': version,
    'service.instance.id': instanceId(config),
  })
}
