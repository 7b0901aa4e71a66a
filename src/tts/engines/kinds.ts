/**
 * The kinds registry: the one list of engine kinds. The engines file's schema is the union
 * of their settings (engines-file.ts) and the router is built from their factories
 * (build-router.ts). A new kind is a folder with a `defineKind(...)` and one line here.
 */
import type { z } from 'zod'
import { elevenlabsKind } from './elevenlabs/elevenlabs-kind.ts'
import { espeakKind } from './espeak/espeak-kind.ts'
import { openaiKind } from './openai/openai-kind.ts'
import { sherpaKind } from './sherpa/sherpa-kind.ts'
import type { EngineIdentity, EngineKind, KindDeps } from './router/engine-kind.ts'
import type { RoutedEngine } from './router/routed-engine.ts'

export const KINDS = [openaiKind, elevenlabsKind, espeakKind, sherpaKind] as const

type Settings<K> = K extends EngineKind<infer Schema> ? z.output<Schema> & EngineIdentity : never

/** One parsed engines-file entry, of whichever kind. */
export type EngineSettings = Settings<(typeof KINDS)[number]>

/** The kind an entry names (the schema let only these through). */
export function kindOf(settings: Pick<EngineSettings, 'kind'>): EngineKind {
  const kind = KINDS.find((k) => k.kind === settings.kind)
  if (!kind) throw new Error(`no engine kind "${settings.kind}"`)
  return kind
}

/**
 * Builds the engine an entry describes, with its kind's factory.
 *
 * @example
 * const local = createRoutedEngine({ kind: 'espeak', name: 'local' }, deps)
 */
export function createRoutedEngine(settings: EngineSettings, deps: KindDeps): RoutedEngine {
  // The entry was parsed by this kind's own schema, so it is what its factory takes.
  const create = kindOf(settings).create as unknown as (settings: EngineSettings, deps: KindDeps) => RoutedEngine
  return create(settings, deps)
}
