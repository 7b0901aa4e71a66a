import { expect, test } from 'bun:test'
import { BrokenCircuitError, CircuitBreaker, type CircuitState } from './circuit-breaker.ts'

// A clock the tests move: the half-open wait passes without sleeping.
let clock = 0
function breaker(threshold: number, halfOpenAfterMs: number) {
  const states: CircuitState[] = []
  return { circuit: new CircuitBreaker(threshold, halfOpenAfterMs, (s) => states.push(s), () => clock), states }
}

const refused = (circuit: CircuitBreaker) => {
  try {
    circuit.tryEnter()
    return false
  } catch (err) {
    return err instanceof BrokenCircuitError
  }
}

test('failures in a row open the circuit; a success between them starts the count again', () => {
  const { circuit, states } = breaker(3, 60_000)
  for (const outcome of ['failure', 'failure', 'success', 'failure', 'failure'] as const) circuit.settle(circuit.tryEnter()!, outcome)
  expect(circuit.state).toBe('closed')
  circuit.settle(circuit.tryEnter()!, 'failure')
  expect(circuit.state).toBe('open')
  expect(states).toEqual(['open'])
  expect(refused(circuit)).toBe(true)
})

test('an error that says nothing of the upstream neither counts nor resets the count', () => {
  const { circuit } = breaker(2, 60_000)
  circuit.settle(circuit.tryEnter()!, 'failure')
  circuit.settle(circuit.tryEnter()!, 'ignored')
  expect(circuit.state).toBe('closed')
  circuit.settle(circuit.tryEnter()!, 'failure')
  expect(circuit.state).toBe('open')
})

test('after the wait one trial goes through; others wait for it, and its success closes the circuit', async () => {
  const { circuit, states } = breaker(1, 1000)
  circuit.settle(circuit.tryEnter()!, 'failure')
  clock += 1000
  const trial = circuit.tryEnter()!
  expect(trial).toBeGreaterThan(0)
  expect(circuit.tryEnter()).toBeUndefined()
  const waiting = circuit.enter()
  circuit.settle(trial, 'success')
  expect(await waiting).toBe(0)
  expect(states).toEqual(['open', 'half_open', 'closed'])
})

test('a failed trial reopens the circuit: the calls waiting on it are refused', async () => {
  const { circuit, states } = breaker(1, 20)
  circuit.settle(circuit.tryEnter()!, 'failure')
  clock += 19
  expect(refused(circuit)).toBe(true)
  clock += 1000
  const trial = circuit.tryEnter()!
  const waiting = circuit.enter().catch((e: unknown) => e)
  circuit.settle(trial, 'failure')
  expect(await waiting).toBeInstanceOf(BrokenCircuitError)
  expect(states).toEqual(['open', 'half_open', 'open'])
  // The old trial's late outcome changes nothing.
  circuit.settle(trial, 'success')
  expect(circuit.state).toBe('open')
})

test('an ignored error passes a trial', async () => {
  const { circuit } = breaker(1, 1000)
  circuit.settle(circuit.tryEnter()!, 'failure')
  clock += 1000
  circuit.settle(circuit.tryEnter()!, 'ignored')
  expect(circuit.state).toBe('closed')
})

test('a call waiting on a trial whose client leaves stops waiting with the abort reason', async () => {
  const { circuit } = breaker(1, 1000)
  circuit.settle(circuit.tryEnter()!, 'failure')
  clock += 1000
  const trial = circuit.tryEnter()!
  const gone = new AbortController()
  const waiting = circuit.enter(gone.signal).catch((e: unknown) => e)
  gone.abort(new Error('client left'))
  expect(((await waiting) as Error).message).toBe('client left')
  circuit.settle(trial, 'success')
  expect(circuit.state).toBe('closed')
})
