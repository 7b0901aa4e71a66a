/**
 * A voice agent's barge-in on `/v1/stream`, scripted once for every engine's tests: a long
 * reply starts playing, the user interrupts (cancel), and the agent says one more sentence.
 */
import { isJson, type WsClient } from './ws-client.ts'

export interface BargeIn {
  /** `last_seq` of the `cancelled` marker: the last frame sent before the cancel took hold. */
  lastSeq: number
  /** Binary frames received before the marker. */
  before: Uint8Array[]
  /** Binary frames received after it (the sentence said after the interruption). */
  after: Uint8Array[]
}

/**
 * Sends `sentences` numbered sentences on a started session, cancels at the first audio, then
 * speaks 'After the interruption.' and closes; resolves once the session's `end` arrived.
 *
 * @example
 * client.send({ type: 'start', voice: 'alloy', format: 'pcm' })
 * const { lastSeq, before, after } = await bargeIn(client)
 */
export async function bargeIn(client: WsClient, sentences = 30): Promise<BargeIn> {
  await client.next(isJson((j) => j.type === 'started'))
  client.send({ type: 'text', text: `${Array.from({ length: sentences }, (_, i) => `This is sentence number ${i + 1}.`).join(' ')} ` })
  await client.next((m) => m.kind === 'binary')
  client.send({ type: 'cancel' })
  const cancelled = (await client.next(isJson((j) => j.type === 'cancelled'))) as { json: { last_seq: number } }
  const index = client.messages.findIndex((m) => m.kind === 'text' && m.json?.type === 'cancelled')
  client.send({ type: 'text', text: 'After the interruption. ' })
  client.send({ type: 'close' })
  await client.next(isJson((j) => j.type === 'end'), index)
  const frames = (from: number, to?: number) => client.messages.slice(from, to).flatMap((m) => (m.kind === 'binary' ? [m.data] : []))
  return { lastSeq: cancelled.json.last_seq, before: frames(0, index), after: frames(index + 1) }
}
