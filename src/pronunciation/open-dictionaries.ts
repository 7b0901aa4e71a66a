/**
 * The dictionaries of this server, from its configuration: in Redis when TTS_REDIS_URL is set
 * (replicas share them), else in `dictionaries.sqlite` under TTS_DATA_DIR. Nothing is opened
 * until a client first uses a dictionary.
 */
import { join } from 'node:path'
import type { Config } from '../config.ts'
import { Dictionaries } from './dictionaries.ts'
import { openRedisDictionaryStore } from './redis-dictionary-store.ts'
import { openSqliteDictionaryStore } from './sqlite-dictionary-store.ts'

/**
 * @example
 * const dictionaries = openDictionaries(loadConfig(process.env))
 */
export function openDictionaries(config: Pick<Config, 'TTS_REDIS_URL' | 'TTS_DATA_DIR' | 'TTS_DICT_MAX_RULES' | 'TTS_DICT_MAX_PER_KEY'>): Dictionaries {
  const redisUrl = config.TTS_REDIS_URL
  const open = redisUrl ? () => openRedisDictionaryStore(redisUrl) : () => openSqliteDictionaryStore(join(config.TTS_DATA_DIR, 'dictionaries.sqlite'))
  return new Dictionaries(open, { maxRules: config.TTS_DICT_MAX_RULES, maxPerOwner: config.TTS_DICT_MAX_PER_KEY, versionsKept: 100 })
}
