import { ROOT_CONTEXT } from '@opentelemetry/api'
import { describe, expect, test } from 'bun:test'
import { createMetrics, openMetricsRegistry } from '../telemetry/metrics.ts'
import { FrameSender, type AudioFrame, type SendResult } from './frame-sender.ts'

function transportReplying(results: SendResult[]) {
  const sent: AudioFrame[] = []
  const drain = Promise.withResolvers<void>()
  const transport = {
    sendAudio: (frame: AudioFrame) => (sent.push(frame), results.shift() ?? 'sent'),
    drained: () => drain.promise,
  }
  return { sent, transport, drain }
}

const origin = { trace: ROOT_CONTEXT, queuedAt: performance.now() }
const audio = (n: number) => ({ bytes: new Uint8Array([n]) })

describe('FrameSender', () => {
  test('numbers frames across the session, dropped ones included, and counts each fate', () => {
    const { sent, transport } = transportReplying(['sent', 'dropped', 'backpressure', 'sent'])
    const sender = new FrameSender({ transport, vendor: 'tts-edge', route: '/v1/stream' })
    expect(sender.lastSeq).toBe(-1)
    for (let n = 0; n < 4; n++) void sender.send(audio(n), origin)
    expect(sent.map((f) => [f.seq, f.bytes[0]])).toEqual([[0, 0], [1, 1], [2, 2], [3, 3]])
    expect(sender.lastSeq).toBe(3)
    expect([sender.framesSent, sender.framesDropped, sender.backpressureWaits]).toEqual([3, 1, 1])
  })

  test('only backpressure makes the caller wait, and for the transport to drain', async () => {
    const { transport, drain } = transportReplying(['sent', 'dropped', 'backpressure'])
    const sender = new FrameSender({ transport, vendor: 'tts-edge', route: '/v1/stream' })
    expect(sender.send(audio(0), origin)).toBeUndefined()
    expect(sender.send(audio(1), origin)).toBeUndefined()
    const wait = sender.send(audio(2), origin)
    expect(wait).toBeInstanceOf(Promise)
    expect(Bun.peek.status(wait!)).toBe('pending')
    drain.resolve()
    await wait
  })

  test('first-audio latency is observed for the first frame sent, and again after a barge-in', async () => {
    const registry = openMetricsRegistry()
    const metrics = createMetrics(registry)
    const { transport } = transportReplying(['dropped', 'sent', 'sent', 'sent'])
    const sender = new FrameSender({ transport, metrics, vendor: 'elevenlabs', route: '/v1/stream' })
    const count = async () => Number((await registry.metrics()).match(/^tts_first_audio_latency_seconds_count\{route="\/v1\/stream"\} (\d+)/m)?.[1] ?? 0)
    void sender.send(audio(0), origin) // dropped: the client heard nothing yet
    expect(await count()).toBe(0)
    void sender.send(audio(1), origin)
    void sender.send(audio(2), origin)
    expect(await count()).toBe(1)
    sender.expectFirstAudio()
    void sender.send(audio(3), origin)
    expect(await count()).toBe(2)
    expect(await registry.metrics()).toMatch(/^tts_frames_dropped_total\{vendor="elevenlabs"\} 1$/m)
  })
})
