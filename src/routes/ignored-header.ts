/**
 * Nothing silently lost: the parameters a request sent that no engine on its path honours
 * are named in the `X-TTS-Ignored` response header and on the request's log line.
 */
import type { Context } from 'hono'
import type { AppEnv } from '../app-env.ts'

/**
 * Records `ignored` on the log line and returns the response header for it (none when empty).
 *
 * @example
 * return audioResponse(c, result, { route, started, headers: ignoredHeader(c, result.ignored) })
 * // X-TTS-Ignored: stability,style
 */
export function ignoredHeader(c: Context<AppEnv>, ignored: readonly string[]): Record<string, string> {
  if (ignored.length === 0) return {}
  c.get('logFields').ignored = ignored
  return { 'x-tts-ignored': ignored.join(',') }
}
