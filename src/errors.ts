/**
 * Errors the API answers with, and their bodies in each vendor's shape.
 *
 * Handlers throw an {@link ApiError}; the app's onError renders it in the shape of
 * the API the route belongs to (OpenAI `{"error":{...}}`, ElevenLabs `{"detail":...}`),
 * so one validation path serves both families of clients.
 */
import { MarkupError } from './markup/markup-error.ts'
import { DictionaryError } from './pronunciation/dictionaries.ts'
import { PlsError } from './pronunciation/pls.ts'
import { EngineBusyError, EngineUnavailableError } from './tts/engine.ts'
import { UnsupportedParamError } from './tts/params/param-error.ts'

/** Which vendor's error shape a route speaks. */
export type ApiStyle = 'openai' | 'elevenlabs'

/** One field problem, as ElevenLabs' 422 `detail` list reports it. */
export interface FieldIssue {
  loc: (string | number)[]
  msg: string
  type: string
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 408 | 409 | 413 | 415 | 422 | 426 | 429 | 500 | 503

/** Bounded set of error kinds: the `type` label of `tts_errors_total`. */
export type ErrorKind =
  | 'bad_request'
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'quota_exceeded'
  | 'unavailable'
  | 'not_found'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'busy'
  | 'engine_unavailable'
  | 'timeout'
  | 'internal'

export interface ApiErrorInit {
  status: ErrorStatus
  kind: ErrorKind
  /** Machine-readable code, e.g. `voice_not_found`. */
  code: string
  message: string
  /** The request field at fault, when there is one. */
  param?: string
  issues?: FieldIssue[]
  retryAfterSeconds?: number
  headers?: Record<string, string>
  /** OpenAI's `type` when the status alone does not say it (e.g. `insufficient_quota`). */
  openaiType?: string
}

/**
 * An error with an HTTP status that is safe to show the client.
 *
 * @example
 * throw new ApiError({ status: 404, kind: 'not_found', code: 'voice_not_found', message: 'Voice "x" does not exist.', param: 'voice' })
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly status: ErrorStatus
  readonly kind: ErrorKind
  readonly code: string
  readonly param: string | undefined
  readonly issues: FieldIssue[] | undefined
  readonly retryAfterSeconds: number | undefined
  readonly headers: Record<string, string>
  readonly openaiType: string | undefined

  constructor(init: ApiErrorInit) {
    super(init.message)
    this.status = init.status
    this.kind = init.kind
    this.code = init.code
    this.param = init.param
    this.issues = init.issues
    this.retryAfterSeconds = init.retryAfterSeconds
    this.headers = init.headers ?? {}
    this.openaiType = init.openaiType
  }
}

/** Maps any thrown value to an ApiError; unknown errors become a 500 that leaks nothing. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  if (err instanceof MarkupError) {
    return new ApiError({ status: 400, kind: 'validation', code: 'invalid_ssml', message: err.message, param: 'text' })
  }
  if (err instanceof DictionaryError) return dictionaryError(err)
  if (err instanceof PlsError) return new ApiError({ status: 400, kind: 'validation', code: 'invalid_pls_file', message: err.message, param: 'file' })
  if (err instanceof UnsupportedParamError) {
    return new ApiError({ status: 400, kind: 'validation', code: err.code, param: err.param, message: err.message })
  }
  if (err instanceof EngineBusyError) {
    return new ApiError({
      status: 429,
      kind: 'busy',
      code: 'too_many_concurrent_requests',
      message: 'The speech engine is at capacity; retry shortly.',
      retryAfterSeconds: 1,
      headers: {
        'current-concurrent-requests': String(err.queued),
        'maximum-concurrent-requests': String(err.limit),
      },
    })
  }
  if (err instanceof EngineUnavailableError) {
    return new ApiError({
      status: 503,
      kind: 'engine_unavailable',
      code: 'engine_unavailable',
      // Only the router's all-down verdict is worded for clients; a crash's own message is ours to keep.
      message: err.everyEngineDown ? err.message : 'The speech engine failed on this request; retry shortly.',
      retryAfterSeconds: err.retryAfterSeconds,
    })
  }
  return new ApiError({ status: 500, kind: 'internal', code: 'internal_error', message: 'Internal server error.' })
}

/** A refusal of the dictionary layer, as the API reports it. */
function dictionaryError(err: DictionaryError): ApiError {
  const message = err.message
  switch (err.kind) {
    case 'not_found':
      return new ApiError({ status: 404, kind: 'not_found', code: 'pronunciation_dictionary_not_found', message })
    case 'locator':
      return new ApiError({ status: 400, kind: 'validation', code: 'pronunciation_dictionary_not_found', message, param: 'pronunciation_dictionary_locators' })
    case 'conflict':
      return new ApiError({ status: 409, kind: 'busy', code: 'conflict', message, retryAfterSeconds: 1 })
    case 'invalid':
      return new ApiError({ status: 400, kind: 'validation', code: 'invalid_request', message })
    case 'limit':
      return new ApiError({ status: 400, kind: 'validation', code: 'pronunciation_dictionary_limit_exceeded', message })
  }
}

const OPENAI_TYPES: Partial<Record<ErrorStatus, string>> = {
  401: 'invalid_request_error',
  429: 'rate_limit_error',
  500: 'server_error',
  503: 'server_error',
}

/** `{"error":{"message","type","param","code"}}` as OpenAI returns it. */
export function openaiErrorBody(err: ApiError): unknown {
  return {
    error: {
      message: err.message,
      type: err.openaiType ?? OPENAI_TYPES[err.status] ?? 'invalid_request_error',
      param: err.param ?? null,
      code: err.code,
    },
  }
}

/** `{"detail":{"status","message"}}`, or the 422 list `{"detail":[{loc,msg,type}]}`. */
export function elevenlabsErrorBody(err: ApiError): unknown {
  if (err.status === 422 && err.issues?.length) return { detail: err.issues }
  return { detail: { status: err.code, message: err.message } }
}

/** Builds the JSON error response for `style`, with Retry-After where it applies. */
export function errorResponse(err: ApiError, style: ApiStyle): Response {
  const headers = new Headers({ 'content-type': 'application/json', ...err.headers })
  if (err.retryAfterSeconds !== undefined) {
    headers.set('retry-after', String(err.retryAfterSeconds))
    headers.set('retry-after-ms', String(err.retryAfterSeconds * 1000))
  }
  const body = style === 'openai' ? openaiErrorBody(err) : elevenlabsErrorBody(err)
  return new Response(JSON.stringify(body), { status: err.status, headers })
}
