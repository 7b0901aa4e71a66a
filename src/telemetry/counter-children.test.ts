import { describe, expect, test } from 'bun:test'
import { Counter, Registry, type RegistryContentType } from 'prom-client'
import { resolveLabelsOnce } from './counter-children.ts'
import { openMetricsRegistry } from './metrics.ts'

/** The same counter twice, ours resolving label sets once and prom-client's own, each on its own registry. */
function twins(registry: () => Registry<RegistryContentType> = openMetricsRegistry) {
  const [mine, theirs] = [registry(), registry()]
  const options = { name: 'tts_test_total', help: 'test', labelNames: ['result', 'engine'] as const }
  const ours = resolveLabelsOnce(new Counter({ ...options, labelNames: [...options.labelNames], registers: [mine] }))
  const plain = new Counter({ ...options, labelNames: [...options.labelNames], registers: [theirs] })
  return { ours, plain, text: async () => [await mine.metrics(), await theirs.metrics()] }
}

describe('counters that resolve their label sets once', () => {
  test('count exactly as prom-client counts, in OpenMetrics and in Prometheus text', async () => {
    for (const registry of [openMetricsRegistry, () => new Registry()] as (() => Registry<RegistryContentType>)[]) {
      const { ours, plain, text } = twins(registry)
      const steps: [Record<string, string | number>, number | undefined][] = [
        [{ result: 'cache_hit', engine: 'espeak' }, undefined],
        [{ result: 'cache_hit', engine: 'espeak' }, undefined],
        [{ engine: 'espeak', result: 'cache_hit' }, 2.5],
        [{ result: 'miss' }, 3],
        [{ result: 'miss' }, 0],
        [{ result: 'miss', engine: 7 }, 1],
        [{ result: 'miss', engine: '7' }, 1],
        [{ result: 'cache_hit', engine: 'espeak' }, 1e6],
      ]
      for (const [labels, value] of steps) {
        ours.inc(labels, value)
        plain.inc(labels, value)
      }
      ours.labels({ result: 'shared', engine: 'up' }).inc()
      plain.labels({ result: 'shared', engine: 'up' }).inc()
      ours.labels('shared', 'up').inc(4)
      plain.labels('shared', 'up').inc(4)
      const [mine, theirs] = await text()
      expect(mine).toBe(theirs!)
      expect(mine).toContain('tts_test_total{result="cache_hit",engine="espeak"} 1000004.5')
      expect(mine).toContain('tts_test_total{result="miss",engine="7"} 2')
      expect(mine).toContain('tts_test_total{result="shared",engine="up"} 5')
    }
  })

  test('after a reset or a removed label set, counts go to the new entry, not the old one', async () => {
    const { ours, plain, text } = twins()
    const both = (labels: Record<string, string>, value?: number) => {
      ours.inc(labels, value)
      plain.inc(labels, value)
    }
    const hit = { result: 'cache_hit', engine: 'espeak' }
    both(hit)
    both(hit)
    ours.reset()
    plain.reset()
    both(hit, 3)
    ours.remove(hit)
    plain.remove(hit)
    both({ result: 'miss', engine: 'espeak' })
    both(hit, 5)
    const [mine, theirs] = await text()
    expect(mine).toBe(theirs!)
    expect(mine).toContain('tts_test_total{result="cache_hit",engine="espeak"} 5')
  })

  test('refuse what prom-client refuses, with its errors, and count nothing for it', async () => {
    const { ours, plain, text } = twins()
    const hit = { result: 'cache_hit', engine: 'espeak' }
    ours.inc(hit)
    plain.inc(hit)
    const bad: [unknown, unknown][] = [
      [{ ...hit, route: '/x' }, 1],
      [hit, -1],
      [hit, Number.POSITIVE_INFINITY],
      [hit, '2'],
    ]
    for (const [labels, value] of bad) {
      const error = (counter: Counter<string>) => {
        try {
          ;(counter.inc as (l: unknown, v: unknown) => void)(labels, value)
        } catch (err) {
          return String(err)
        }
        return 'no error'
      }
      expect(error(ours)).toBe(error(plain))
      expect(error(ours)).not.toBe('no error')
    }
    const [mine, theirs] = await text()
    expect(mine).toBe(theirs!)
    expect(mine).toContain('tts_test_total{result="cache_hit",engine="espeak"} 1')
  })

  test("prom-client's own inc runs once per label set, not once per increment", async () => {
    const { ours, plain, text } = twins()
    let calls = 0
    const counted = new Counter({ name: 'tts_counted_total', help: 'test', labelNames: ['result', 'engine'], registers: [openMetricsRegistry()] })
    const own = counted.inc.bind(counted)
    counted.inc = ((labels: Record<string, string>, value?: number) => (calls++, own(labels, value))) as typeof counted.inc
    resolveLabelsOnce(counted)
    for (let i = 0; i < 100; i++) {
      const labels = { result: i % 2 ? 'cache_hit' : 'miss', engine: 'espeak' }
      counted.inc(labels)
      ours.inc(labels)
      plain.inc(labels)
    }
    expect(calls).toBe(2)
    const [mine, theirs] = await text()
    expect(mine).toBe(theirs!)
    expect(mine).toContain('tts_test_total{result="miss",engine="espeak"} 50')
  })

  test('a counter without labels and one with exemplars are left as prom-client made them', () => {
    const registry = openMetricsRegistry()
    const plain = new Counter({ name: 'tts_plain_total', help: 'test', registers: [registry] })
    const inc = plain.inc
    expect(resolveLabelsOnce(plain).inc).toBe(inc)
    const withExemplars = new Counter({ name: 'tts_ex_total', help: 'test', labelNames: ['a'], registers: [registry], enableExemplars: true })
    const exInc = withExemplars.inc
    expect(resolveLabelsOnce(withExemplars).inc).toBe(exInc)
  })
})
