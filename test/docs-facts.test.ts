/**
 * Facts the docs state that the code decides, checked against the code rather than a copy:
 * the metrics docs/observability.md lists are the ones the service registers, and the
 * voices docs/api.md describes are the catalogue's.
 */
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createMetrics, openMetricsRegistry, recordTargetInfo } from '../src/telemetry/metrics.ts'
import { OPENAI_VOICE_MAP, VOICES } from '../src/tts/engines/espeak/espeak-voices.ts'

const root = resolve(import.meta.dir, '..')
const doc = (name: string) => readFileSync(join(root, 'docs', name), 'utf8')

/** Section `## title` of a page, up to the next `## `. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`)
  expect(start, `section "${title}"`).toBeGreaterThan(0)
  const end = markdown.indexOf('\n## ', start + 1)
  return markdown.slice(start, end < 0 ? undefined : end)
}

describe('docs/observability.md, "Metrics"', () => {
  const registry = openMetricsRegistry()
  createMetrics(registry)
  recordTargetInfo(registry, { service_name: 'tts-edge', service_instance_id: 'docs', service_version: '0' })
  // prom-client's process and runtime metrics are named as a family on the page.
  const registered = registry
    .getMetricsAsArray()
    .map((m) => m.name)
    .filter((name) => !/^(process|nodejs)_/.test(name))
  const page = section(doc('observability.md'), 'Metrics')
  const rows = [...page.matchAll(/^\| (`[^|]+)\|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([a-z_*]+)`/g)].map((n) => n[1]!))

  test('names every metric the service registers', () => {
    expect(registered.length).toBeGreaterThan(30)
    expect(registered.filter((name) => !page.includes(`\`${name}\``) && !rows.some((row) => row.endsWith('*') && name.startsWith(row.slice(0, -1))))).toEqual([])
  })

  test('lists no metric the service does not register', () => {
    expect(rows.filter((row) => (row.endsWith('*') ? !registered.some((n) => n.startsWith(row.slice(0, -1))) : !registered.includes(row)))).toEqual([])
  })
})

describe('docs/api.md, "Voices"', () => {
  const page = section(doc('api.md'), 'Voices')

  test("maps OpenAI's voice names as the catalogue does", () => {
    const table = Object.fromEntries([...page.matchAll(/^\| `([a-z]+)` \| `([a-z0-9-]+)` \|$/gm)].map((m) => [m[1]!, m[2]!]))
    expect(table).toEqual({ ...OPENAI_VOICE_MAP })
  })

  test('counts the voices and languages of the catalogue', () => {
    expect(page).toContain(`${VOICES.length} voices`)
    expect(page).toContain(`${new Set(VOICES.map((v) => v.language)).size} of espeak-ng's languages`)
  })
})
