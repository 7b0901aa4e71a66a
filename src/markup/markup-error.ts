/**
 * Malformed or refused markup, with the position in the client's own text: the routes turn
 * it into a 400 (HTTP) or a 1008 close (WebSocket) in the API's shape.
 */

export class MarkupError extends Error {
  override readonly name = 'MarkupError'
  constructor(
    /** What is wrong, without the position. */
    readonly reason: string,
    /** Offset in the client's text (UTF-16 code units, 0-based). */
    readonly offset: number,
    /** 1-based line and column of `offset`. */
    readonly line: number,
    readonly column: number,
  ) {
    super(`Malformed SSML at line ${line}, column ${column} (character ${offset}): ${reason}`)
  }
}

/**
 * A MarkupError for `offset` in `text`, with its line and column computed there.
 *
 * @example
 * markupErrorAt('a\nb<', 3, 'unclosed tag').message // 'Malformed SSML at line 2, column 2 (character 3): unclosed tag'
 */
export function markupErrorAt(text: string, offset: number, reason: string): MarkupError {
  const at = Math.max(0, Math.min(offset, text.length))
  let line = 1
  let lineStart = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  return new MarkupError(reason, at, line, at - lineStart + 1)
}
