/**
 * Keeps the keys in force in step with TTS_KEYS_FILE: reloaded when the file changes (a
 * watch on its directory, since editors and Kubernetes ConfigMaps replace files rather
 * than write them in place) and on demand (main.ts calls `reload()` on SIGHUP).
 *
 * A reload builds a whole new ring and swaps it in, so a request in flight keeps the key
 * it was admitted with and none is dropped. A file that does not parse is refused: every
 * problem is logged and the keys in force stay as they were.
 */
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'
import type { Logger } from 'pino'
import { ConfigError } from '../config.ts'
import { keyId, KeyRing, sha256Hex, type KeySource } from './key-ring.ts'
import { parseKeysFile, type KeysFileEntry } from './keys-file.ts'

export interface KeysFileOptions {
  path: string
  /** Configured engine names, which each key's `engines` must name. */
  engines: readonly string[]
  /** An engines file is in force: voice ids (and so `voices` prefixes) are `engine:voice`. */
  voicesNameEngines?: boolean
  /** TTS_API_KEYS, kept in force beside the file's keys. */
  plain: readonly string[]
}

/**
 * Reads and parses the keys file; throws ConfigError (unreadable or invalid) listing every problem.
 *
 * @example
 * const ring = await loadKeyRing({ path: 'keys.yaml', engines: ['espeak'], plain: [] })
 */
export async function loadKeyRing(options: KeysFileOptions): Promise<KeyRing> {
  const source = `TTS_KEYS_FILE (${options.path})`
  let text: string
  try {
    text = await Bun.file(options.path).text()
  } catch (err) {
    throw new ConfigError([`${source}: cannot read: ${(err as Error).message}`])
  }
  const file: KeysFileEntry[] = parseKeysFile(text, { source, engines: options.engines, ...(options.voicesNameEngines && { voicesNameEngines: true }) })
  // One key, one label: a TTS_API_KEYS key may not also be in the file, nor its derived id be a file id.
  const ids = new Set(file.map((k) => k.id))
  const hashes = new Set(file.map((k) => k.sha256))
  const clashes = options.plain.filter((plain) => ids.has(keyId(plain)) || hashes.has(sha256Hex(plain)))
  if (clashes.length) throw new ConfigError([`${source}: ${clashes.length} TTS_API_KEYS key(s) are also in the file, or share a file key's id`])
  return KeyRing.from({ file, plain: options.plain })
}

/**
 * @example
 * const reloader = new KeysReloader({ ...options, source, logger })
 * process.on('SIGHUP', () => void reloader.reload('SIGHUP'))
 */
export class KeysReloader {
  readonly #options: KeysFileOptions & { source: KeySource; logger: Logger }
  readonly #watcher: FSWatcher | undefined
  #debounce: ReturnType<typeof setTimeout> | undefined
  #running: Promise<boolean> = Promise.resolve(true)

  constructor(options: KeysFileOptions & { source: KeySource; logger: Logger; watch?: boolean }) {
    this.#options = options
    if (options.watch === false) return
    const name = basename(options.path)
    try {
      this.#watcher = watch(dirname(options.path), (_event, file) => {
        // `..data` is how a Kubernetes ConfigMap volume swaps every file at once.
        if (file !== null && file !== name && file !== '..data') return
        // Editors write in several steps: reload once they have settled.
        clearTimeout(this.#debounce)
        this.#debounce = setTimeout(() => void this.reload('file changed'), 50)
      })
      this.#watcher.unref()
    } catch (err) {
      options.logger.warn({ err, path: options.path }, 'cannot watch the keys file: reload with SIGHUP')
    }
  }

  /** Loads the file again; true when the new keys are in force. Reloads run one at a time. */
  reload(reason: string): Promise<boolean> {
    this.#running = this.#running.then(() => this.#reload(reason))
    return this.#running
  }

  close(): void {
    clearTimeout(this.#debounce)
    this.#watcher?.close()
  }

  async #reload(reason: string): Promise<boolean> {
    const { logger, source } = this.#options
    try {
      const ring = await loadKeyRing(this.#options)
      source.replace(ring)
      logger.info({ reason, keys: ring.size, key_ids: ring.keys().map((k) => k.id).slice(0, 100) }, 'keys reloaded')
      return true
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems : [(err as Error).message]
      logger.error({ reason, problems, keys: source.ring.size }, 'keys file refused: the keys in force are unchanged')
      return false
    }
  }
}
