/**
 * The HTTP side of the playground: `POST /v1/audio/speech`, and the service's error bodies
 * turned into sentences a person can act on.
 */

/** Thrown for any failed request; `message` is meant to be shown as is. */
export class ApiFailure extends Error {
  /** @param {string} message @param {{requestId?: string, traceId?: string, traceKept?: boolean}} ids */
  constructor(message, ids = {}) {
    super(message)
    this.requestId = ids.requestId
    this.traceId = ids.traceId
    this.traceKept = ids.traceKept
  }
}

const STATUS_HINTS = {
  400: 'The service could not use this request',
  401: 'The service needs a valid API key (open "API key" above)',
  404: 'The service does not know this',
  413: 'The request is too large',
  429: 'The service is busy',
  503: 'The speech engine is unavailable right now',
}

/**
 * The trace id of a W3C `traceresponse` header (`00-<trace>-<span>-<flags>`); undefined when
 * absent or all zeros (tracing switched off).
 * @param {string | null} header
 */
export function traceIdFrom(header) {
  const match = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(header?.trim() ?? '')
  return match && !/^0+$/.test(match[1]) ? match[1] : undefined
}

/**
 * True when `traceresponse` has the sampled flag: the service kept the trace, so the trace
 * viewer will find it (a streamed body's `-00` can also mean "not decided yet").
 * @param {string | null} header
 */
export function traceKeptFrom(header) {
  return /-01$/.test(header?.trim() ?? '')
}

/** @param {Response} response */
function idsOf(response) {
  const header = response.headers.get('traceresponse')
  return { requestId: response.headers.get('x-request-id') ?? undefined, traceId: traceIdFrom(header), traceKept: traceKeptFrom(header) }
}

/**
 * The message of an OpenAI (`{error:{message}}`) or ElevenLabs (`{detail:{message}}`,
 * `{detail:[{msg}]}`) error body, else undefined.
 */
export function errorMessageOf(body) {
  if (typeof body?.error?.message === 'string') return body.error.message
  if (typeof body?.detail?.message === 'string') return body.detail.message
  if (Array.isArray(body?.detail)) return body.detail.map((d) => d?.msg).filter(Boolean).join('; ') || undefined
  return undefined
}

/** @param {Response} response */
async function failureOf(response) {
  let detail
  try {
    detail = errorMessageOf(await response.json())
  } catch {
    // Not JSON (a proxy's error page, say): the status has to speak for itself.
  }
  const hint = STATUS_HINTS[response.status] ?? `The service answered ${response.status} ${response.statusText}`.trim()
  const retry = response.status === 429 && response.headers.get('retry-after')
  const message = `${hint}: ${detail ?? 'no details given'}${retry ? ` Try again in ${retry} s.` : ''}`
  return new ApiFailure(message, idsOf(response))
}

/**
 * @param {{input: string, voice: string, format: string, speed: number, apiKey?: string, signal?: AbortSignal}} request
 * @returns {Promise<{bytes: ArrayBuffer, requestId?: string, traceId?: string, traceKept: boolean, firstByteMs: number}>}
 */
export async function speak(request) {
  const started = performance.now()
  let response
  try {
    response = await fetch('/v1/audio/speech', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(request.apiKey && { authorization: `Bearer ${request.apiKey}` }),
      },
      body: JSON.stringify({ model: 'tts-1', input: request.input, voice: request.voice, response_format: request.format, speed: request.speed }),
      signal: request.signal,
    })
  } catch (err) {
    if (request.signal?.aborted) throw err
    throw new ApiFailure('Could not reach the service. Is it running, and is this page served by it?')
  }
  if (!response.ok) throw await failureOf(response)
  const firstByteMs = performance.now() - started
  return { bytes: await response.arrayBuffer(), firstByteMs, ...idsOf(response) }
}

/** @returns {Promise<{id: string, name: string, language: string, gender: string}[]>} */
export async function fetchVoices() {
  let response
  try {
    response = await fetch('/v1/audio/voices')
  } catch {
    throw new ApiFailure('Could not reach the service to list its voices. Is it running?')
  }
  if (!response.ok) throw await failureOf(response)
  const body = await response.json()
  return Array.isArray(body?.voices) ? body.voices : []
}
