/**
 * A collector for the tests of our OTLP export batches: it answers every request as a
 * collector does (an empty protobuf ExportServiceResponse unless told another status), decodes
 * each body (protobuf by protobufjs from the vendored .proto files, or JSON) and keeps it
 * whole, with its items, so a test can compare what two encodings sent or count batches.
 * Unlike otlp-receiver.ts it keeps the raw message (dropped counts, times, every field).
 */
import { decodeOtlpProto, encodeOtlpProtoResponse } from './otlp-proto-decoder.ts'

export interface CollectedRequest {
  contentType: string
  /** The request as the OTLP/JSON object a collector sees. */
  body: Record<string, any>
  /** Its spans or log records, in order. */
  items: Record<string, any>[]
}

const running = new Set<{ stop(force?: boolean): void }>()

/** Stops every collector started so far (for afterEach). */
export function stopCollectors(): void {
  for (const server of running) server.stop(true)
  running.clear()
}

/**
 * A collector of `signal` on 127.0.0.1; `respond(n)` for the n-th request may give another
 * status or hold the answer back until a promise resolves.
 *
 * @example
 * const c = otlpCollector('traces')
 * await c.arrived(1)
 * expect(c.requests[0]!.items).toHaveLength(4)
 */
export function otlpCollector(signal: 'traces' | 'logs', respond: (n: number) => { status?: number; hold?: Promise<void> } = () => ({})) {
  const requests: CollectedRequest[] = []
  const arrivals: (() => void)[] = []
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const contentType = req.headers.get('content-type') ?? ''
      const bytes = await req.bytes()
      const body = contentType.includes('protobuf') ? decodeOtlpProto(signal, bytes) : JSON.parse(new TextDecoder().decode(bytes))
      const items =
        signal === 'traces'
          ? body.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans))
          : body.resourceLogs.flatMap((r: any) => r.scopeLogs.flatMap((s: any) => s.logRecords))
      const { status = 200, hold } = respond(requests.length + 1)
      requests.push({ contentType, body, items })
      for (const arrived of arrivals.splice(0)) arrived()
      if (hold) await hold
      if (status !== 200) return new Response('no', { status })
      return new Response(Uint8Array.from(encodeOtlpProtoResponse(signal, 0)), { headers: { 'content-type': 'application/x-protobuf' } })
    },
  })
  running.add(server)
  /** Resolves once `n` requests have arrived. */
  const arrived = async (n: number) => {
    while (requests.length < n) await new Promise<void>((resolve) => arrivals.push(resolve))
  }
  return { endpoint: `http://127.0.0.1:${server.port}`, requests, arrived }
}
