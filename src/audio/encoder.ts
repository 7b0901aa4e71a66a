/**
 * The contract every output format implements, so routes stream any format the same way.
 */

/**
 * A streaming encoder for one response: 16-bit mono PCM in (at the engine's rate), file bytes out.
 *
 * @example
 * const enc = await createEncoder(spec, 22050)
 * for await (const chunk of engine.synthesize(...)) send(enc.write(chunk.samples))
 * send(enc.end())
 * await cache.store(key, enc.finalize(concatBytes(sent)))
 */
export interface AudioEncoder {
  /** Encode the next PCM chunk; returns bytes ready to send now (may be empty). */
  write(samples: Int16Array): Uint8Array
  /** Flush; returns the final bytes. Call exactly once. */
  end(): Uint8Array
  /**
   * For containers whose header holds sizes: return the complete file (everything `write` and
   * `end` returned, concatenated) with exact sizes. Identity for other formats. Call after `end`.
   */
  finalize(whole: Uint8Array): Uint8Array
  /**
   * Gives back what the encoder holds beyond the garbage collector's reach (libopus states live
   * in a heap shared by the thread) when `end` will never be called: the job was cancelled or
   * failed. A no-op after `end`; optional for encoders that hold nothing of the kind.
   */
  close?(): void
}
