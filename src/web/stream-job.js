/**
 * One Stream press: a `/v1/stream` session whose frames go to a StreamPlayer as they
 * arrive, with the numbers the page shows (and the browser tests read through __tts).
 * The job reports in events and knows nothing of the page's elements.
 */
import { OpusPacketDecoder } from './opus-packets.js'
import { StreamClient } from './stream-client.js'
import { StreamPlayer } from './stream-player.js'

/**
 * @typedef {object} StreamEvents
 * @property {(ids: {requestId: string, traceId: string}) => void} onStarted
 * @property {(ms: number) => void} onFirstAudio
 * @property {(seconds: number, frames: number) => void} onProgress  audio scheduled so far
 * @property {() => void} onReceived  the service sent everything; playback goes on
 * @property {() => void} onPlayed  everything received has been heard
 * @property {(lastSeq: number) => void} onCancelled  the service confirmed a stop
 * @property {(message: string) => void} onError
 */

/**
 * @param {string} text
 * @param {{voice: string, speed: number, apiKey?: string, opus?: boolean}} settings  `opus`: Opus packets, decoded with WebCodecs
 * @param {StreamEvents} events
 */
export function startStream(text, settings, events) {
  const t0 = performance.now()
  // Times are ms since the start; counts are frames.
  const stats = {
    framesReceived: 0,
    framesScheduled: 0,
    framesAfterStop: 0,
    maxSeq: -1,
    firstFrameAt: undefined,
    endAt: undefined,
    stoppedAt: undefined,
    framesScheduledAtStop: undefined,
    secondsAheadAtStop: undefined,
    cancelledLastSeq: undefined,
    playing: 0,
  }
  /** @type {StreamPlayer | undefined} */
  let player
  /** @type {OpusPacketDecoder | undefined} */
  let opus
  let stopped = false
  let received = false
  const playedAll = () => received && !stopped && !player?.playing && events.onPlayed()
  const scheduled = () => {
    stats.framesScheduled++
    stats.playing = player.playing
    if (stats.firstFrameAt === undefined) {
      stats.firstFrameAt = performance.now() - t0
      events.onFirstAudio(stats.firstFrameAt)
    }
    events.onProgress(player.secondsScheduled, stats.framesScheduled)
  }

  const client = new StreamClient(settings, {
    onStarted(msg) {
      if (stopped) return
      player = new StreamPlayer(msg.sample_rate)
      player.onDrained = () => {
        stats.playing = 0
        playedAll()
      }
      if (settings.opus) {
        opus = new OpusPacketDecoder(
          (samples, rate) => !stopped && player?.pushSamples(samples, rate) && scheduled(),
          (message) => client.fail(message),
        )
      }
      events.onStarted({ requestId: msg.request_id, traceId: msg.trace_id })
    },
    onFrame(seq, bytes) {
      stats.framesReceived++
      stats.maxSeq = Math.max(stats.maxSeq, seq)
      if (stopped || !player) return void stats.framesAfterStop++
      // Opus: one packet per frame, scheduled once decoded (asynchronously, in order).
      if (opus) return opus.push(bytes)
      if (player.push(bytes)) scheduled()
    },
    async onEnd() {
      if (stopped) return
      stats.endAt = performance.now() - t0
      // "Played everything" must wait for the packets still in the decoder.
      await opus?.flush()
      if (stopped) return
      received = true
      events.onReceived()
      playedAll()
    },
    onCancelled(msg) {
      stats.cancelledLastSeq = msg.last_seq
      client.close()
      events.onCancelled(msg.last_seq)
    },
    onError(message) {
      if (stopped) return
      opus?.close()
      player?.stop()
      events.onError(message)
    },
  })
  client.speak(text)

  return {
    stats,
    /** Barge-in: silent at once, later frames dropped, the service told to cancel. */
    stop() {
      if (stopped) return
      stopped = true
      stats.stoppedAt = performance.now() - t0
      stats.framesScheduledAtStop = stats.framesScheduled
      stats.secondsAheadAtStop = player?.secondsAhead ?? 0
      opus?.close()
      player?.stop()
      stats.playing = 0
      if (received) return client.close()
      client.cancel()
      // The service answers `cancelled`, then the socket closes; do not wait forever for it.
      setTimeout(() => client.close(), 2000)
    },
  }
}
