/**
 * `bun run bench`: every benchmark, side by side in one run, printed as ratios with a
 * PASS/MISS verdict against the targets of the issues. Bounded in count and time.
 */
import { existsSync, readFileSync } from 'node:fs'
import { benchCacheMiss } from './cache-miss.ts'
import { benchCacheStore } from './cache-store.ts'
import { benchEngineSpeed } from './engine-speed.ts'
import { benchFormats } from './formats.ts'
import { benchFleet } from './fleet.ts'
import { benchHitPath, benchHitPathHits } from './hit-path.ts'
import { benchHitTelemetry } from './hit-telemetry.ts'
import { benchMissShare } from './miss-share.ts'
import { benchHitPathOff } from './hit-path-off.ts'
import { benchAccountingPerHit } from './usage-accounting.ts'
import { benchGateway } from './gateway.ts'
import { benchGatewayCost } from './gateway-cost.ts'
import { benchGatewayStore } from './gateway-store.ts'
import { benchGatewayAB } from './gateway-ab.ts'
import { benchGatewayTelemetry } from './gateway-telemetry.ts'
import { benchGatewayMissTelemetry } from './gateway-miss-telemetry.ts'
import { benchGatewayLayers } from './gateway-layers.ts'
import { benchInstrumentation, benchInstrumentationBreakdown } from './instrumentation.ts'
import { benchKeptSpans } from './kept-spans.ts'
import { benchLoad } from './load.ts'
import { benchOtlpExport } from './otlp-export.ts'
import { benchMarkup } from './markup.ts'
import { benchLoudness } from './loudness.ts'
import { benchStoreTelemetry } from './store-telemetry.ts'
import { benchStreamCache } from './stream-cache.ts'
import { benchStreaming } from './streaming.ts'
import { benchTranscode } from './transcode.ts'
import { useRunTempDir } from '../test/support/run-temp-dir.ts'

const sections: Record<string, () => Promise<string[]>> = {
  'hit-path': benchHitPath,
  instrumentation: benchInstrumentation,
  'cache-miss': benchCacheMiss,
  'engine-speed': benchEngineSpeed,
  formats: benchFormats,
  load: benchLoad,
  streaming: benchStreaming,
  'stream-cache': benchStreamCache,
  fleet: benchFleet,
  gateway: benchGateway,
  'gateway-cost': benchGatewayCost,
  'cache-store': benchCacheStore,
  transcode: benchTranscode,
  markup: benchMarkup,
  loudness: benchLoudness,
  // Only when named (`bun run bench instrumentation-breakdown`): six servers, about a minute.
  'instrumentation-breakdown': benchInstrumentationBreakdown,
  // Only when named: the cache-hit half of hit-path, for A/B runs (BENCH_BASELINE_ROOT).
  'hit-path-hits': benchHitPathHits,
  // Only when named: the telemetry-off hit path against other builds (BENCH_BASELINE_ROOT) and bare Hono.
  'hit-path-off': benchHitPathOff,
  // Only when named: the cache store's cost in a gateway's miss, this build against BENCH_BASELINE_ROOT.
  'gateway-store': benchGatewayStore,
  // Only when named: hit-path's telemetry share of a native miss alone, about two minutes.
  'hit-path-miss': benchMissShare,
  // Only when named: hit-path's usage accounting part alone, about a minute.
  'hit-path-usage': benchAccountingPerHit,
  // Only when named: gateway builds side by side (BENCH_BASELINE_ROOT), more rounds than gateway-cost.
  'gateway-ab': benchGatewayAB,
  // Only when named: a gateway miss's telemetry one signal at a time (BENCH_BASELINE_ROOT adds a build).
  'gateway-telemetry': benchGatewayTelemetry,
  // Only when named: a gateway miss's telemetry in-process, this build against BENCH_BASELINE_ROOT (about 3 minutes).
  'gateway-miss-telemetry': benchGatewayMissTelemetry,
  // Only when named: a gateway miss layer by layer in-process (objects allocated, CPU), this build against BENCH_BASELINE_ROOT.
  'gateway-layers': benchGatewayLayers,
  // Only when named: whether a cache store costs more with telemetry on (in-process, about a minute).
  'store-telemetry': benchStoreTelemetry,
  // Only when named: CPU per log line and per kept span exported over OTLP, protobuf vs JSON (and BENCH_BASELINE_ROOT builds), in-process.
  'otlp-export': benchOtlpExport,
  // Only when named: a cache hit's telemetry without HTTP, each app in its own process (BENCH_BASELINE_ROOT adds builds).
  'hit-telemetry': benchHitTelemetry,
  // Only when named: a kept trace's spans in-process, first span to encoded body, this build against BENCH_BASELINE_ROOT.
  'kept-spans': benchKeptSpans,
}
const ON_REQUEST = new Set(['instrumentation-breakdown', 'hit-path-hits', 'hit-path-off', 'gateway-store', 'hit-path-usage', 'hit-path-miss', 'gateway-ab', 'store-telemetry', 'otlp-export', 'gateway-telemetry', 'gateway-miss-telemetry', 'kept-spans', 'gateway-layers', 'hit-telemetry'])

// Every service's cache and data directory goes under one directory, removed at exit (a run leaves ~500 MB).
process.once('exit', useRunTempDir('bench'))

const only = process.argv.slice(2)
const unknown = only.filter((name) => !(name in sections))
if (unknown.length) {
  console.error(`unknown bench section: ${unknown.join(', ')}; the sections are: ${Object.keys(sections).join(', ')}`)
  process.exit(2)
}
// Other work on the machine moves every figure: each section says what the load was around it.
const load = () => (existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : 'unknown')
console.log(`tts-edge benchmarks, ${new Date().toISOString()}, Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores, load average ${load()}\n`)
for (const [name, run] of Object.entries(sections)) {
  if (only.length ? !only.includes(name) : ON_REQUEST.has(name)) continue
  const started = performance.now()
  const before = load()
  const lines = await run()
  console.log(`${lines.join('\n')}\n  (${((performance.now() - started) / 1000).toFixed(1)} s; load average ${before} before, ${load()} after)\n`)
}
process.exit(0)
