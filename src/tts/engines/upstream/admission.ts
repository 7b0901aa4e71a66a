/**
 * Holding a cockatiel policy (bulkhead, circuit breaker) for the length of a stream.
 *
 * cockatiel policies wrap one promise; an upstream call is a stream whose outcome is known
 * only at its last byte. `hold` enters the policy with a promise we settle later, so the
 * slot is held (and the breaker learns the outcome) until the stream ends.
 */
import type { IPolicy } from 'cockatiel'

export interface Held {
  /** Leaves the policy: success without an error, failure with one. Idempotent. */
  release(err?: unknown): void
}

/**
 * Resolves once the policy admits us, or rejects with its refusal (BrokenCircuitError,
 * BulkheadRejectedError, the signal's abort).
 *
 * @example
 * const slot = await hold(breaker)
 * try { await stream() ; slot.release() } catch (err) { slot.release(err) }
 */
export async function hold(policy: IPolicy, signal?: AbortSignal): Promise<Held> {
  let admitted!: () => void
  const entered = new Promise<void>((resolve) => (admitted = resolve))
  let settle!: (err?: unknown) => void
  const outcome = new Promise<void>((resolve, reject) => {
    settle = (err) => (err === undefined ? resolve() : reject(err))
  })
  const run = policy.execute(() => {
    admitted()
    return outcome
  }, signal)
  // Until admission only a refusal can settle `run`; afterwards its rejection is ours to ignore.
  await Promise.race([entered, run])
  run.catch(() => {})
  let released = false
  return {
    release(err?: unknown) {
      if (released) return
      released = true
      settle(err)
    },
  }
}
