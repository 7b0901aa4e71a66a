/**
 * The audio of one synthesis through the router (engine-router.ts): the voice's engine
 * first, then the fallback engines in order, but only while none has yielded audio; once
 * audio is out, a failure ends the stream (nothing is spoken twice), as does the client
 * leaving or a failure that is not an engine being down or busy. Each chunk is stamped with
 * the engine that made it, and whether that was a fallback.
 *
 * A hand-written async iterator, not an async generator: on a gateway miss every chunk
 * passes through here, and a generator cost each one its own awaits and each request in
 * flight its frame; this costs a chunk one promise reaction.
 */
import { EngineBusyError, EngineUnavailableError, type PcmChunk } from '../../engine.ts'
import { UpstreamsDownError } from './engines-down-error.ts'
import type { RoutedEngine } from './routed-engine.ts'

export interface FailoverOptions {
  /** The voice's own engine, then the fallback engines (each once). */
  candidates: readonly RoutedEngine[]
  asked: RoutedEngine
  /** The engine's audio for this request; undefined when it has no voice close enough. */
  start: (engine: RoutedEngine) => AsyncIterable<PcmChunk> | undefined
  /** A fallback engine's first audio: `failures` are the engines' before it. */
  onFallback: (engine: RoutedEngine, failures: readonly Error[]) => void
  signal?: AbortSignal
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined }

/**
 * @example
 * for await (const chunk of new FailoverAudio({ candidates, asked, start, onFallback, signal })) send(chunk)
 */
export class FailoverAudio implements AsyncIterableIterator<PcmChunk, undefined> {
  #index = -1
  #current: AsyncIterator<PcmChunk> | undefined
  #engine: RoutedEngine | undefined
  #started = false
  #done = false
  readonly #failures: Error[] = []

  constructor(private readonly options: FailoverOptions) {}

  next(): Promise<IteratorResult<PcmChunk, undefined>> {
    if (this.#done) return Promise.resolve(DONE)
    let current = this.#current
    if (!current) {
      try {
        current = this.#advance()
      } catch (err) {
        return this.#failed(err)
      }
      if (!current) {
        this.#done = true
        return Promise.reject(this.#exhausted())
      }
    }
    return current.next().then(this.#chunk, this.#failed)
  }

  async return(): Promise<IteratorResult<PcmChunk, undefined>> {
    this.#done = true
    const current = this.#current
    this.#current = undefined
    await current?.return?.()
    return DONE
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  readonly #chunk = (result: IteratorResult<PcmChunk>): IteratorResult<PcmChunk, undefined> => {
    if (result.done) {
      this.#done = true
      return DONE
    }
    const engine = this.#engine!
    const own = engine === this.options.asked
    if (!this.#started && !own) this.options.onFallback(engine, this.#failures)
    this.#started = true
    const chunk = result.value
    chunk.engine = engine.name
    if (!own) chunk.fallback = true
    return result
  }

  readonly #failed = (err: unknown): Promise<IteratorResult<PcmChunk, undefined>> => {
    this.#current = undefined
    // After audio went out, or when the client left, another engine must not start over.
    if (this.#started || this.options.signal?.aborted || !(err instanceof EngineUnavailableError || err instanceof EngineBusyError)) {
      this.#done = true
      return Promise.reject(err)
    }
    this.#failures.push(err)
    return this.next()
  }

  /** The next candidate with a voice for this request, started; undefined when none is left. */
  #advance(): AsyncIterator<PcmChunk> | undefined {
    const { candidates, start } = this.options
    while (++this.#index < candidates.length) {
      const engine = candidates[this.#index]!
      const audio = start(engine)
      if (!audio) continue
      this.#engine = engine
      this.#current = audio[Symbol.asyncIterator]()
      return this.#current
    }
    return undefined
  }

  #exhausted(): Error {
    const failures = this.#failures
    if (failures.length > 0 && failures.every((f) => f instanceof EngineBusyError)) return failures[0]!
    return new UpstreamsDownError(failures)
  }
}
