/**
 * A streaming utterance whose synthesis fails is its own short trace, an error, and kept
 * whatever the share of kept traces (TTS_TRACE_KEEP_RATIO=0 here); the utterances before it
 * that went fine are dropped and never exported. The session, pool and job runner are the
 * real ones; the engine worker crashes on "CRASH" (test/support/faulty-engine.worker.ts).
 */
import { afterAll, expect, test } from 'bun:test'
import { context, trace, SpanStatusCode } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { parseElevenLabsFormat } from '../src/audio/formats.ts'
import { keptTracesOnly } from '../src/telemetry/kept-trace-processor.ts'
import { registerKeeper, TraceKeeper } from '../src/telemetry/sampling.ts'
import { installContext } from '../src/telemetry/tracing.ts'
import { createEspeakEngine } from '../src/tts/engines/espeak/espeak-engine.ts'
import pino from 'pino'
import { MemoryCache } from '../src/cache/memory-cache.ts'
import { SpeechService } from '../src/tts/speech-service.ts'
import { StreamSession } from '../src/tts/stream-session.ts'
import { VOICES } from '../src/tts/engines/espeak/espeak-voices.ts'

const engine = createEspeakEngine(
  { name: 'faulty', workerUrl: new URL('./support/faulty-engine.worker.ts', import.meta.url), rates: { min: 80, max: 450 } },
  { workers: 1, maxQueue: 4, jobTimeoutMs: 5000 },
)
afterAll(() => engine.close())

test('a failed utterance is an ERROR trace, linked to its session and kept; the fine ones are not exported', async () => {
  installContext()
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [keptTracesOnly(new SimpleSpanProcessor(exporter), { maxWaitingSpans: 100 })] })
  const tracer = provider.getTracer('test')
  registerKeeper(tracer, new TraceKeeper({ ratio: 0, slowSeconds: 3600, exemplarIntervalSeconds: 3600 }))
  const sessionSpan = tracer.startSpan('WS /v1/stream')
  sessionSpan.end()
  const format = parseElevenLabsFormat('pcm_16000')
  if (!format.ok) throw new Error('pcm_16000 is a format')
  const failed = Promise.withResolvers<unknown>()
  const speech = new SpeechService({ engine, cache: new MemoryCache({ maxBytes: 1 << 24 }), tracer, logger: pino({ level: 'silent' }) })
  const session = new StreamSession({
    speech,
    voice: VOICES[0]!,
    speed: 1,
    format: format.spec,
    transport: { sendAudio: () => 'sent', drained: async () => {} },
    tracer,
    parent: trace.setSpan(context.active(), sessionSpan),
    vendor: 'tts-edge',
    route: '/v1/stream',
    alignment: false,
    onError: (err) => failed.resolve(err),
  })
  session.text('This one is fine. ')
  await session.idle()
  session.text('This one will CRASH the engine. ')
  await failed.promise
  session.close()

  const spans = exporter.getFinishedSpans()
  const utterances = spans.filter((s) => s.name === 'tts.utterance')
  expect(utterances).toHaveLength(1)
  const [failedUtterance] = utterances
  expect(failedUtterance!.status.code).toBe(SpanStatusCode.ERROR)
  expect(failedUtterance!.attributes).toMatchObject({ 'tts.sampling.keep': true, 'tts.sampling.reason': 'error' })
  expect(failedUtterance!.links.map((l) => l.context.spanId)).toEqual([sessionSpan.spanContext().spanId])
  expect(failedUtterance!.spanContext().traceId).not.toBe(sessionSpan.spanContext().traceId)
  // Its synthesis span went with it, whole.
  const synth = spans.filter((s) => s.name === 'tts.synthesize')
  expect(synth.map((s) => s.spanContext().traceId)).toEqual([failedUtterance!.spanContext().traceId])
})
