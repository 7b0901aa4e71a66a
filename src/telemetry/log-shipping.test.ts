import { describe, expect, test } from 'bun:test'
import { context, trace, TraceFlags } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { hrTimeToMilliseconds } from '@opentelemetry/core'
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs'
import { loadConfig } from '../config.ts'
import { createLogShipper } from './log-shipping.ts'
import { installContext } from './tracing.ts'

describe('createLogShipper', () => {
  test('ships each line whole, with its severity, trace context, time and filterable fields', async () => {
    installContext()
    const exporter = new InMemoryLogRecordExporter()
    const shipper = createLogShipper(loadConfig({ OTEL_SERVICE_NAME: 'shipper-test' }), exporter)!
    const spanContext = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED }
    const line = '{"level":50,"request_id":"req-7","msg":"request failed"}\n'
    const before = Date.now()
    context.with(trace.setSpanContext(context.active(), spanContext), () =>
      shipper.ship(line, 50, { route: '/v1/audio/speech', status: 500, trace_kept: true, text: 'never an attribute' }),
    )
    shipper.ship('{"level":30,"msg":"outside any trace"}\n', 30, undefined)
    await shipper.forceFlush()
    const [failed, plain] = exporter.getFinishedLogRecords()
    expect(failed!.body).toBe(line.trimEnd())
    expect([failed!.severityNumber, failed!.severityText]).toEqual([SeverityNumber.ERROR, 'ERROR'])
    expect(failed!.spanContext).toMatchObject({ traceId: spanContext.traceId, spanId: spanContext.spanId })
    expect(failed!.attributes).toEqual({ request_id: 'req-7', route: '/v1/audio/speech', status: 500, trace_kept: true })
    expect(failed!.resource.attributes['service.name']).toBe('shipper-test')
    const at = hrTimeToMilliseconds(failed!.hrTime)
    expect(at).toBeGreaterThanOrEqual(before)
    expect(at).toBeLessThanOrEqual(Date.now())
    expect(plain!.spanContext).toBeUndefined()
    expect(plain!.severityText).toBe('INFO')
    await shipper.shutdown()
  })

  test('takes request and session ids from the serialised line only when plain and bounded', async () => {
    const exporter = new InMemoryLogRecordExporter()
    const shipper = createLogShipper(loadConfig({}), exporter)!
    const flushThen = async (line: string) => {
      shipper.ship(line, 30, undefined)
      await shipper.forceFlush()
      return exporter.getFinishedLogRecords().at(-1)!.attributes
    }
    expect(await flushThen('{"request_id":"r-1","session_id":"s-2","msg":"x"}')).toEqual({ request_id: 'r-1', session_id: 's-2' })
    expect(await flushThen('{"request_id":"has\\"quote","msg":"x"}')).toEqual({})
    expect(await flushThen(`{"request_id":"${'x'.repeat(129)}","msg":"x"}`)).toEqual({})
    expect(await flushThen('{"request_id":"","msg":"x","request_id":"second"}')).toEqual({ request_id: 'second' })
    // Given the whole line's object, ids come from it (the same rule), and the line is not read.
    shipper.ship('{"request_id":"in-the-line"}', 30, { request_id: 'r-9', route: '/x' }, undefined, true)
    shipper.ship('{"request_id":"in-the-line"}', 30, { request_id: 'bad"id', route: '/y' }, undefined, true)
    await shipper.forceFlush()
    expect(exporter.getFinishedLogRecords().slice(-2).map((r) => r.attributes)).toEqual([{ request_id: 'r-9', route: '/x' }, { route: '/y' }])
    await shipper.shutdown()
  })
})
