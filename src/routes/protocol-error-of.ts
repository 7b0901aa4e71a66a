/**
 * How a failure reaches a streaming client: its own ProtocolError, or the one a known
 * failure maps to, with the close code that tells the client whether to retry.
 */
import { MarkupError } from '../markup/markup-error.ts'
import { DictionaryError } from '../pronunciation/dictionaries.ts'
import { EngineBusyError, EngineUnavailableError } from '../tts/engine.ts'
import { UnsupportedParamError } from '../tts/params/param-error.ts'
import { QueueFullError } from '../tts/stream-session.ts'
import { BufferOverflowError } from '../tts/text-buffer.ts'
import { ProtocolError } from './stream-context.ts'

/**
 * @example
 * protocolErrorOf(new EngineBusyError(8, 8)) // ProtocolError 'server_busy', close code 1013
 */
export function protocolErrorOf(err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err
  // Malformed markup is the client's: 1008 (policy), the message naming where it is.
  if (err instanceof MarkupError) return new ProtocolError('invalid_ssml', err.message)
  // A locator of a dictionary that is missing or another key's: the client's too.
  if (err instanceof DictionaryError) return new ProtocolError('pronunciation_dictionary_not_found', err.message)
  // Too much text waiting is the client's doing, wherever in a protocol it happened.
  if (err instanceof QueueFullError || err instanceof BufferOverflowError) return new ProtocolError('too_much_text', err.message)
  // A parameter the engine cannot honour with that value (espeak and an unknown language_code): the client's.
  if (err instanceof UnsupportedParamError) return new ProtocolError(err.code, err.message)
  if (err instanceof EngineBusyError) return new ProtocolError('server_busy', 'The speech engine is at capacity; reconnect shortly.', 1013)
  // Every engine down before any audio: "try again later", as HTTP's 503 + Retry-After.
  if (err instanceof EngineUnavailableError && err.everyEngineDown) return new ProtocolError('engine_unavailable', err.message, 1013)
  if (err instanceof EngineUnavailableError) return new ProtocolError('engine_unavailable', 'The speech engine failed; reconnect shortly.', 1011)
  return new ProtocolError('internal_error', 'The session failed; please reconnect.', 1011)
}
