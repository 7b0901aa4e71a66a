import { describe, expect, test } from 'bun:test'
import { createMetrics, openMetricsRegistry } from '../telemetry/metrics.ts'
import { Broadcast } from './broadcast.ts'
import { FlightBytes } from './flight-bytes.ts'
import { emptyPiece, type SpeechPiece } from './speech-piece.ts'

const piece = (...values: number[]): SpeechPiece => ({ bytes: new Uint8Array(values), samples: values.length, sampleRate: 24000 })

function setup() {
  const metrics = createMetrics(openMetricsRegistry())
  const flight = new Broadcast<SpeechPiece>(emptyPiece)
  const outcomes = async () => Object.fromEntries((await metrics.speechRequests.get()).values.map((v) => [v.labels.result, v.value]))
  return { metrics, flight, outcomes }
}

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = []
  for await (const bytes of chunks) out.push(...bytes)
  return out
}

describe('FlightBytes', () => {
  test('a reader that got every byte is counted created once, and empty pieces are not passed on', async () => {
    const { metrics, flight, outcomes } = setup()
    const chunks = new FlightBytes(flight.read(), metrics, undefined)
    const read = drain(chunks)
    flight.push(piece(1, 2))
    // An encoder holding samples back: samples, no bytes yet.
    flight.push({ bytes: new Uint8Array(0), samples: 480, sampleRate: 24000 })
    flight.push(piece(3))
    flight.end()
    expect(await read).toEqual([1, 2, 3])
    expect(await drain(chunks)).toEqual([])
    expect(await outcomes()).toEqual({ cache_hit: 0, created: 1, error: 0 })
  })

  test('a failed synthesis is counted error once', async () => {
    const { metrics, flight, outcomes } = setup()
    const chunks = new FlightBytes(flight.read(), metrics, undefined)
    flight.push(piece(1))
    flight.end(new Error('engine crashed'))
    expect(await drain(chunks).catch((e: unknown) => e)).toHaveProperty('message', 'engine crashed')
    expect(await drain(chunks)).toEqual([])
    expect(await outcomes()).toEqual({ cache_hit: 0, created: 0, error: 1 })
  })

  test('a client that hung up, or a reader that left early, is no outcome at all', async () => {
    const { metrics, flight, outcomes } = setup()
    const client = new AbortController()
    const gone = new FlightBytes(flight.read(client.signal), metrics, client.signal)
    const left = new FlightBytes(flight.read(), metrics, undefined)
    flight.push(piece(1))
    expect((await left.next()).value).toEqual(new Uint8Array([1]))
    await left.return()
    const reading = drain(gone).catch((e: unknown) => e)
    client.abort(new Error('client left'))
    expect(await reading).toHaveProperty('message', 'client left')
    flight.end()
    expect(await drain(gone)).toEqual([])
    expect(await outcomes()).toEqual({ cache_hit: 0, created: 0, error: 0 })
  })
})
