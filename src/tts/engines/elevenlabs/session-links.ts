/**
 * The stream-input links of an ElevenLabs upstream, one per streaming session and voice,
 * opened on a session's first sentence and closed when the session ends. Opening goes
 * through the upstream's circuit breaker, and a link's failure counts against it.
 */
import { SpanKind, context, propagation, trace, type Span } from '@opentelemetry/api'
import type { SynthesisSession } from '../../engine.ts'
import { recordError } from '../../../telemetry/tracing.ts'
import type { UpstreamClient, UpstreamClientDeps } from '../upstream/upstream-client.ts'
import { UpstreamError } from '../upstream/upstream-error.ts'
import { StreamInputLink, type StreamInputLinkOptions } from './stream-input-link.ts'

export type LinkSettings = Omit<StreamInputLinkOptions, 'onGone' | 'headers'> & { headers: Record<string, string> }

/**
 * @example
 * const links = new SessionLinks(client, deps)
 * const link = await links.get(options.session, voice.engineVoice, () => settingsFor(voice))
 */
export class SessionLinks {
  // A link being opened is shared too: the sentences a session synthesises ahead ask at once.
  readonly #links = new WeakMap<SynthesisSession, Map<string, Promise<StreamInputLink>>>()

  constructor(
    private readonly client: UpstreamClient,
    private readonly deps: UpstreamClientDeps,
  ) {}

  /** The session's live link for `voice`, opened now when there is none. */
  get(session: SynthesisSession, voice: string, settings: () => LinkSettings): Promise<StreamInputLink> {
    let byVoice = this.#links.get(session)
    const live = byVoice?.get(voice)
    if (live) return live
    if (!byVoice) {
      const links = new Map<string, Promise<StreamInputLink>>()
      byVoice = links
      this.#links.set(session, links)
      session.onEnd(() => {
        for (const link of links.values()) void link.then((l) => l.close(), () => {})
        links.clear()
      })
    }
    const links = byVoice
    const opening: Promise<StreamInputLink> = this.#open(settings(), () => {
      if (links.get(voice) === opening) links.delete(voice)
    })
    links.set(voice, opening)
    opening.catch(() => {
      if (links.get(voice) === opening) links.delete(voice)
    })
    return opening
  }

  async #open(options: LinkSettings, forget: () => void): Promise<StreamInputLink> {
    const name = this.client.settings.name
    const { circuit } = this.client
    let pass
    try {
      pass = circuit.tryEnter() ?? (await circuit.enter())
    } catch {
      this.deps.metrics?.upstreamErrors.inc({ engine: name, reason: 'circuit_open' })
      throw new UpstreamError(name, 'circuit_open', 'circuit breaker is open', this.client.settings.breaker_half_open_ms)
    }
    const span = this.#span(options.url)
    const headers = { ...options.headers }
    propagation.inject(trace.setSpan(context.active(), span), headers)
    return new StreamInputLink({
      ...options,
      headers,
      onGone: (_link, err) => {
        forget()
        circuit.settle(pass, err?.countsAgainstCircuit ? 'failure' : 'success')
        if (err) {
          recordError(span, err)
          this.deps.metrics?.upstreamErrors.inc({ engine: name, reason: err.reason })
          this.deps.logger?.warn({ engine: name, reason: err.reason, err: err.message }, 'upstream stream-input failed')
        }
        span.end()
      },
    })
  }

  #span(url: string): Span {
    const target = new URL(url)
    return this.deps.tracer.startSpan('GET', {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'GET',
        'server.address': target.hostname,
        'server.port': Number(target.port) || (target.protocol === 'wss:' ? 443 : 80),
        'url.full': `${target.origin}${target.pathname}`,
        'tts.engine': this.client.settings.name,
      },
    })
  }
}
