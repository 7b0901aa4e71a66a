/**
 * What a start-up check reported: the problems of the ConfigError `fn` throws, for asserting
 * that every bad key is named at once.
 */
import { ConfigError } from '../../src/config.ts'

/**
 * @example
 * expect(configProblems(() => parseKeysFile('keys: 3'))).toContain('TTS_KEYS_FILE: keys: ...')
 */
export function configProblems(fn: () => unknown): string[] {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  throw new Error('expected a ConfigError, and it was accepted')
}
