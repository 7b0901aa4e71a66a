/** The one name of an output format that cache keys and span attributes share. */
import type { AudioFormatSpec } from '../audio/formats.ts'

/**
 * Stable id of an output format for cache keys and span attributes.
 *
 * @example
 * formatId({ container: 'mp3', sampleRate: 44100, bitrateKbps: 128, ... }) // 'mp3_44100_128'
 */
export function formatId(format: AudioFormatSpec): string {
  return `${format.container}_${format.sampleRate}${format.bitrateKbps ? `_${format.bitrateKbps}` : ''}`
}
