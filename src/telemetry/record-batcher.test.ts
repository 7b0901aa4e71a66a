import { describe, expect, test } from 'bun:test'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { waitUntil } from '../../test/support/wait.ts'
import { RecordBatcher, type BatchSender } from './record-batcher.ts'

/** A sender that holds every batch until released, so the queue's behaviour can be seen. */
function heldSender() {
  const batches: string[][] = []
  const waiting: ((r: ExportResult) => void)[] = []
  let shutDown = false
  const sender: BatchSender<string> = {
    export(items, done) {
      batches.push(items)
      waiting.push(done)
    },
    forceFlush: async () => {},
    shutdown: async () => {
      shutDown = true
    },
  }
  const release = () => waiting.splice(0).forEach((done) => done({ code: ExportResultCode.SUCCESS }))
  return { sender, batches, release, isShutDown: () => shutDown }
}

describe('RecordBatcher', () => {
  test('a full batch leaves at once; a partial one waits for the delay or a flush', async () => {
    const { sender, batches, release } = heldSender()
    const batcher = new RecordBatcher(sender, { maxQueueSize: 100, maxBatchSize: 3, delayMs: 60_000, onDropped: () => {} })
    for (const item of ['a', 'b', 'c', 'd']) batcher.add(item)
    expect(batches).toEqual([['a', 'b', 'c']])
    const flushed = batcher.forceFlush()
    release()
    await flushed
    expect(batches).toEqual([['a', 'b', 'c'], ['d']])
  })

  test('a partial batch is sent after delayMs with nothing else happening', async () => {
    const { sender, batches } = heldSender()
    const batcher = new RecordBatcher(sender, { maxQueueSize: 100, maxBatchSize: 50, delayMs: 10, onDropped: () => {} })
    batcher.add('lonely')
    await waitUntil(() => batches.length > 0, 5000, 'the delayed batch')
    expect(batches).toEqual([['lonely']])
  })

  test('past maxQueueSize waiting items, new ones are dropped and counted', () => {
    const { sender, batches } = heldSender()
    let dropped = 0
    const batcher = new RecordBatcher(sender, { maxQueueSize: 2, maxBatchSize: 10, delayMs: 60_000, onDropped: (n) => (dropped += n) })
    for (const item of ['a', 'b', 'c', 'd']) batcher.add(item)
    expect(dropped).toBe(2)
    expect(batches).toEqual([])
  })

  test('shutdown sends what waits, shuts the sender down, and refuses (counts) later items', async () => {
    const { sender, batches, release, isShutDown } = heldSender()
    let dropped = 0
    const batcher = new RecordBatcher(sender, { maxQueueSize: 10, maxBatchSize: 10, delayMs: 60_000, onDropped: (n) => (dropped += n) })
    batcher.add('last words')
    const done = batcher.shutdown()
    release()
    await done
    expect(batches).toEqual([['last words']])
    expect(isShutDown()).toBe(true)
    batcher.add('too late')
    expect(dropped).toBe(1)
  })
})
