/**
 * Splits a request's parameters by what the chosen engine does with them: the honoured
 * ones go to the engine and into the cache key (in canonical form), the rest are named in
 * `X-TTS-Ignored` and the request's log line. Pure functions, so routes, sessions and the
 * router agree on one answer.
 */
import type { CacheKeyValue } from '../../cache/cache-key.ts'
import { PARAM_NAMES, type ParamName, type ParamSupport, type VoiceParams } from './voice-params.ts'

/**
 * Honoured by the gateway itself, whatever the engine: a session cuts its text into
 * utterances by the schedule (and an ElevenLabs link is sent it as well), so it is never
 * "ignored"; each utterance's own text keys its audio, so the schedule is not keyed.
 */
const SESSION_PARAMS: ReadonlySet<ParamName> = new Set(['chunk_length_schedule'])

const STITCHING = ['previous_request_ids', 'next_request_ids'] as const

export interface ResolvedParams {
  /** What the engine is given: the parameters it honours, and the `extra` fields it passes through. */
  honoured: VoiceParams
  /** Sent, but neither honoured nor moot here: wire names, in a stable order. */
  ignored: string[]
}

/**
 * @example
 * resolveParams({ stability: 0.3, language_code: 'de' }, supports(['language_code']))
 * // { honoured: { language_code: 'de' }, ignored: ['stability'] }
 */
export function resolveParams(params: VoiceParams, support: ParamSupport): ResolvedParams {
  const honoured: Record<string, unknown> = {}
  const ignored: string[] = []
  for (const name of PARAM_NAMES) {
    const value = params[name]
    if (value === undefined) continue
    if (support.honours.has(name) || SESSION_PARAMS.has(name)) honoured[name] = value
    else if (!support.moot?.has(name)) ignored.push(name)
  }
  for (const name of STITCHING) {
    const ids = honoured[name] as readonly string[] | undefined
    if (!ids || !support.knows) continue
    const known = ids.filter((id) => support.knows!(id))
    if (known.length > 0) honoured[name] = known
    else delete honoured[name]
  }
  if (params.extra) {
    const passed: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(params.extra)) {
      if (support.passThrough?.has(name)) passed[name] = value
      else ignored.push(name)
    }
    if (Object.keys(passed).length > 0) honoured.extra = passed
  }
  return { honoured: honoured as VoiceParams, ignored }
}

/**
 * The honoured parameters as they key the cache: defaults dropped (sending ElevenLabs' default
 * is the same request as not sending it), language codes in one spelling; undefined when
 * nothing is left, so a request without parameters keys exactly as before they existed.
 *
 * @example
 * canonicalParams({ apply_text_normalization: 'auto', language_code: 'DE_at' }) // { language_code: 'de-at' }
 */
export function canonicalParams(honoured: VoiceParams): Record<string, CacheKeyValue> | undefined {
  const out: Record<string, CacheKeyValue> = {}
  for (const name of PARAM_NAMES) {
    const value = honoured[name]
    if (value === undefined || SESSION_PARAMS.has(name) || name === 'instructions') continue
    if (name === 'apply_text_normalization' && value === 'auto') continue
    if ((name === 'apply_language_text_normalization' || name === 'enable_ssml_parsing') && value === false) continue
    if (name === 'language_code') out[name] = (value as string).toLowerCase().replaceAll('_', '-')
    else out[name] = value as CacheKeyValue
  }
  if (honoured.extra) out.extra = honoured.extra as CacheKeyValue
  return Object.keys(out).length > 0 ? out : undefined
}
