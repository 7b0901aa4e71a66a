/**
 * Where a service's event loop spends its time under a benchmark's load, by part, from the
 * `.cpuprofile` Bun writes with `--cpu-prof` (Chrome's format: a call tree and one leaf node
 * per sample). Each sample goes to the part of the deepest frame that has a source URL: a
 * native call (`fetch`, `writeSync`, `JSON.stringify`) counts for the code that called it.
 *
 * @example
 * const lines = profileBreakdown(readFileSync(path, 'utf8'), requests, PARTS)
 */

/** A part of the service and the source paths whose frames count for it; checked in order. */
export interface Part {
  label: string
  paths: RegExp
}

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** The parts of a gateway request, most specific first. */
export const GATEWAY_PARTS: Part[] = [
  { label: 'cache store and lookup (src/cache)', paths: /\/src\/cache\// },
  { label: 'upstream client, breaker, deadlines', paths: /\/src\/tts\/engines\/upstream\// },
  { label: 'OTLP export encoding and sending', paths: /\/src\/telemetry\/otlp-|\/exporter-/ },
  { label: 'log line (pino, summary line, shipping)', paths: /\/pino\/|\/sdk-logs\/|\/src\/telemetry\/(logger|summary-line|log-shipping|batched-lines)/ },
  { label: 'metrics (prom-client, exemplars)', paths: /\/prom-client\/|\/src\/telemetry\/(metrics|exemplar-slots)/ },
  { label: 'spans and sampling (OTel SDK)', paths: /\/@opentelemetry\/|\/src\/telemetry\// },
  { label: 'Hono (routing, context, middleware chain)', paths: /\/hono\// },
  { label: 'request validation (zod)', paths: /\/zod\// },
  { label: 'speech service, routes, engine router', paths: /\/src\// },
]

/**
 * Lines saying how much of the event loop's sampled time each part took, in µs per request
 * and as a share, largest first. `requests` is how many requests the profiled run served.
 */
export function profileBreakdown(json: string, requests: number, parts: Part[]): string[] {
  const profile = JSON.parse(json) as CpuProfile
  const parent = new Map<number, number>()
  const byId = new Map<number, ProfileNode>()
  for (const node of profile.nodes) {
    byId.set(node.id, node)
    for (const child of node.children ?? []) parent.set(child, node.id)
  }
  const partOf = new Map<number, string>()
  const classify = (id: number): string => {
    const known = partOf.get(id)
    if (known) return known
    const { url, functionName } = byId.get(id)!.callFrame
    let part: string
    if (url) part = parts.find((p) => p.paths.test(url))?.label ?? 'other JavaScript (runtime modules, dependencies)'
    else if (parent.has(id)) part = classify(parent.get(id)!)
    else part = functionName === '(idle)' ? 'idle' : 'runtime with no JavaScript caller (sockets, streams, GC)'
    partOf.set(id, part)
    return part
  }
  const micros = new Map<string, number>()
  let busy = 0
  profile.samples.forEach((id, i) => {
    const name = byId.get(id)?.callFrame.functionName
    if (name === '(idle)' || name === '(program)' && !parent.has(id)) return
    const us = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0
    const part = classify(id)
    micros.set(part, (micros.get(part) ?? 0) + us)
    busy += us
  })
  return [...micros]
    .sort((a, b) => b[1] - a[1])
    .map(([part, us]) => `    ${part.padEnd(58)} ${(us / requests).toFixed(1).padStart(7)} µs  ${((100 * us) / busy).toFixed(1).padStart(5)}%`)
}
