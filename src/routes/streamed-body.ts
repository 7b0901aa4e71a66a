/**
 * A response body that streams items as they are produced. The first item is awaited
 * before the caller builds its response, so a failure on it (queue full, engine crash)
 * still becomes a proper status in the API's shape; later failures can only cut the body
 * short, and are logged and counted. A client that goes away is not such a failure: it is
 * marked `client_disconnected` on the log line and span, and its reader is stopped so a
 * synthesis nobody else waits for stops too. Telemetry for the request completes when the
 * body has been sent or the client went away (`bodyDone`).
 */
import type { Context } from 'hono'
import type { AppEnv } from '../app-env.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import { DONE, PENDING, ReadySource } from '../tts/ready-source.ts'

export interface StreamedBodyOptions<T> {
  /** The bytes an item becomes on the wire. */
  frame: (item: T) => Uint8Array
  /** Bytes sent after the last item (e.g. SSE's done event). */
  trailer?: () => Uint8Array
  /** Called once when every item has been sent. */
  onComplete?: () => void
  metrics?: Metrics
  /**
   * A source that has already ended when its first item arrives (an upstream answer read
   * whole) is answered with that item's bytes, as a cache hit is: no stream, a Content-Length.
   * Not with a trailer.
   */
  whole?: boolean
}

/**
 * @example
 * const body = await streamedBody(c, chunks, { frame: (bytes) => bytes })
 * return new Response(body, { headers: { 'content-type': 'audio/mpeg' } })
 */
export async function streamedBody<T>(c: Context<AppEnv>, items: AsyncIterable<T>, options: StreamedBodyOptions<T>): Promise<ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer>> {
  const { frame, trailer, onComplete, metrics } = options
  const iterator = items[Symbol.asyncIterator]()
  // A flight's bytes (tts/ready-source.ts): what is already there goes out without a promise per chunk.
  const ready = iterator instanceof ReadySource ? (iterator as ReadySource<T>) : undefined
  // Its first item without an async frame of its own: a request waiting on an upstream holds less.
  let first: IteratorResult<T, unknown>
  if (ready) {
    let item = ready.take()
    while (item === PENDING) {
      await ready.ready()
      item = ready.take()
    }
    first = item === DONE ? { done: true, value: undefined } : { done: false, value: item }
  } else first = await iterator.next()
  // The whole file before its first byte left: the response stream's sink was the largest cost left
  // of a short miss (bench/RESULTS.md). take() says DONE, so the reader counts its outcome and leaves.
  if (options.whole && !trailer && ready?.atEnd() && !first.done) {
    ready.take()
    onComplete?.()
    return frame(first.value) as Uint8Array<ArrayBuffer>
  }
  const span = c.get('span')
  let settle!: () => void
  c.set('bodyDone', new Promise<void>((resolve) => (settle = resolve)))
  let sent = 0
  const clientGone = () => {
    span.setAttribute('tts.client.disconnected', true)
    Object.assign(c.get('logFields'), { client_disconnected: true, chunks_sent: sent })
    settle()
  }
  const finish = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (trailer) controller.enqueue(trailer())
    controller.close()
    onComplete?.()
    settle()
  }
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, err: unknown) => {
    // Bun aborts the request's signal when the client hangs up, and our readers listen to
    // it: the abort surfaces here, mid-pull, before Bun would call cancel(). Not our error.
    if (c.req.raw.signal.aborted) {
      controller.error(err)
      clientGone()
      return
    }
    c.get('log').error({ err, chunks_sent: sent }, 'response stream failed after it started')
    metrics?.errors.inc({ type: 'stream_aborted' })
    span.setAttribute('tts.stream.truncated', true)
    controller.error(err)
    settle()
  }
  // Enqueues what is ready while the stream wants more; waits only when the reader caught up.
  const pullReady = (source: ReadySource<T>, controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> | undefined => {
    try {
      for (;;) {
        const item = source.take()
        if (item === PENDING) return source.ready().then(() => pullReady(source, controller))
        if (item === DONE) return void finish(controller)
        sent++
        controller.enqueue(frame(item))
        if ((controller.desiredSize ?? 0) <= 0) return undefined
      }
    } catch (err) {
      fail(controller, err)
      return undefined
    }
  }
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) {
        sent++
        controller.enqueue(frame(first.value))
      }
    },
    pull(controller) {
      if (ready) return pullReady(ready, controller)
      return pullNext(controller)
    },
    async cancel() {
      // The client went away: stop reading, which lets the shared synthesis stop if nobody else listens.
      await iterator.return?.(undefined)
      clientGone()
    },
  })

  async function pullNext(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    try {
      const next = sent === 0 && first.done ? first : await iterator.next()
      if (next.done) return finish(controller)
      sent++
      controller.enqueue(frame(next.value))
    } catch (err) {
      fail(controller, err)
    }
  }
}
