/**
 * Request stitching (docs/api.md "Voice parameters"): ElevenLabs clients send the `request-id`s
 * of the generations before and after a text (`previous_request_ids`, `next_request_ids`) so
 * the voice continues them. An upstream knows only the generations it made: ids of audio
 * another engine made (espeak here, another upstream) are dropped before forwarding, never
 * an error. This remembers which configured engine made each id we handed out.
 *
 * Bounded (the oldest ids are forgotten first) and per replica: an id it has never seen is
 * forwarded as it is, since the client may have it from the upstream directly.
 */

export const DEFAULT_REMEMBERED_IDS = 10_000

/**
 * @example
 * const stitching = new StitchingIds()
 * stitching.record('gen-1', 'eleven')
 * stitching.record('req-2', 'local')
 * ['gen-1', 'req-2', 'elsewhere'].filter((id) => stitching.mayKnow(id, 'eleven')) // ['gen-1', 'elsewhere']
 */
export class StitchingIds {
  readonly #madeBy = new Map<string, string>()

  constructor(private readonly max = DEFAULT_REMEMBERED_IDS) {}

  /** The generation `id` was made by the configured engine `engine`. */
  record(id: string, engine: string): void {
    this.#madeBy.delete(id)
    this.#madeBy.set(id, engine)
    if (this.#madeBy.size > this.max) this.#madeBy.delete(this.#madeBy.keys().next().value!)
  }

  /** The engine that made `id`, when this replica handed it out. */
  madeBy(id: string): string | undefined {
    return this.#madeBy.get(id)
  }

  /** False when another engine made `id`: `engine` cannot know it. */
  mayKnow(id: string, engine: string): boolean {
    const maker = this.#madeBy.get(id)
    return maker === undefined || maker === engine
  }
}
