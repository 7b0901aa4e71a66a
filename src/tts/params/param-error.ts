/**
 * A parameter the engine takes but cannot honour with this value (espeak has no voice for
 * `language_code: "xx"`): the client's mistake, answered as a 400 in the API's shape (or a
 * 1008 close on a socket), never a 500 and never a fallback to another engine.
 */
import type { ParamName } from './voice-params.ts'

/**
 * @example
 * throw new UnsupportedParamError('language_code', 'unsupported_language', "No espeak-ng voice speaks 'xx'.")
 */
export class UnsupportedParamError extends Error {
  override readonly name = 'UnsupportedParamError'
  constructor(
    readonly param: ParamName,
    /** Machine-readable code (`unsupported_language`). */
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}
