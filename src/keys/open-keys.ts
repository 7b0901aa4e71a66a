/**
 * The keys in force at start, for main.ts: from TTS_KEYS_FILE (watched and reloaded) and
 * TTS_API_KEYS; none when neither is set (auth off). A bad file throws ConfigError.
 */
import type { Logger } from 'pino'
import { KeyRing, KeySource } from './key-ring.ts'
import { KeysReloader, loadKeyRing } from './keys-reloader.ts'

export interface OpenedKeys {
  keys: KeySource | undefined
  reloader: KeysReloader | undefined
}

/**
 * @example
 * const { keys, reloader } = await openKeys({ file: config.TTS_KEYS_FILE, plain: config.TTS_API_KEYS, engines: ['espeak'], logger })
 * process.on('SIGHUP', () => void reloader?.reload('SIGHUP'))
 */
export async function openKeys(o: {
  file?: string
  plain?: readonly string[]
  engines: readonly string[]
  /** An engines file is in force: voice ids are `engine:voice`. */
  voicesNameEngines?: boolean
  logger: Logger
}): Promise<OpenedKeys> {
  const plain = o.plain ?? []
  if (!o.file) return { keys: plain.length ? new KeySource(KeyRing.from({ plain })) : undefined, reloader: undefined }
  const options = { path: o.file, engines: o.engines, plain, ...(o.voicesNameEngines && { voicesNameEngines: true }) }
  const keys = new KeySource(await loadKeyRing(options))
  return { keys, reloader: new KeysReloader({ ...options, source: keys, logger: o.logger }) }
}
