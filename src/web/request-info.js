/**
 * The "Last request" panel: mode, request id, trace id (linked to the trace viewer when
 * the service was given TTS_TRACE_URL_TEMPLATE and kept the trace), first-audio time and audio length.
 */

const template = document.querySelector('meta[name="tts-trace-url-template"]')?.getAttribute('content') ?? ''

/** The trace viewer URL for a trace id, or undefined when no (usable) template is set. */
export function traceUrl(traceId) {
  if (!template || !traceId) return undefined
  const url = template.split('{traceId}').join(encodeURIComponent(traceId))
  try {
    // Only web links: an operator's typo must not become a javascript: URL on the page.
    return ['http:', 'https:'].includes(new URL(url, location.href).protocol) ? url : undefined
  } catch {
    return undefined
  }
}

const field = (id) => /** @type {HTMLElement} */ (document.getElementById(id))

/**
 * @param {{mode?: string, requestId?: string, traceId?: string, traceKept?: boolean, firstAudioMs?: number, audio?: string, download?: {url: string, name: string}}} info
 *   fields left out keep their current value; null clears one
 */
export function showRequestInfo(info) {
  if ('mode' in info) field('info-mode').textContent = info.mode ?? '—'
  if ('requestId' in info) field('info-request-id').textContent = info.requestId ?? '—'
  if ('traceId' in info) {
    const cell = field('info-trace-id')
    // Only a kept trace is in the trace viewer; a session's trace (no flag given) always is.
    const kept = info.traceKept !== false
    const url = kept ? traceUrl(info.traceId) : undefined
    cell.replaceChildren(info.traceId ?? (info.requestId ? 'not traced' : '—'))
    if (info.traceId && !kept) cell.append(' (not kept)')
    if (url) {
      const link = document.createElement('a')
      link.href = url
      link.target = '_blank'
      link.rel = 'noopener noreferrer'
      link.textContent = 'open trace'
      link.setAttribute('aria-label', `Open trace ${info.traceId} in the trace viewer`)
      cell.append(' ', link)
    }
  }
  if ('firstAudioMs' in info) field('info-first-audio').textContent = info.firstAudioMs === undefined ? '—' : `${Math.round(info.firstAudioMs)} ms`
  if ('audio' in info || 'download' in info) {
    const cell = field('info-audio')
    cell.replaceChildren(info.audio ?? '—')
    if (info.download) {
      const link = document.createElement('a')
      link.href = info.download.url
      link.download = info.download.name
      link.textContent = 'download'
      cell.append(' ', link)
    }
  }
}

/** Empties the panel for a new request. */
export function clearRequestInfo(mode) {
  showRequestInfo({ mode, requestId: undefined, traceId: undefined, firstAudioMs: undefined, audio: undefined })
}
