/**
 * Evaluates otel/collector.yaml's tail_sampling policies on a trace's spans, the way the
 * tail sampling processor does (processor/tailsamplingprocessor/README.md): a policy of a
 * deterministic type either matches the trace or not; a trace is kept when any policy says
 * "sample". Probabilistic and rate-based policies keep a trace only by chance, so they are
 * reported as such rather than evaluated.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from './dashboard-queries.ts'

export interface PolicySpan {
  attributes: Record<string, unknown>
  resource: Record<string, unknown>
  status: { code?: number }
}

interface Policy {
  name: string
  type: string
  [config: string]: unknown
}

/** OTLP status codes (STATUS_CODE_UNSET 0, OK 1, ERROR 2). */
const STATUS: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 }
export const CHANCE_POLICY_TYPES = new Set(['probabilistic', 'rate_limiting', 'bytes_limiting', 'composite'])

export function tailSamplingPolicies(root = repoRoot): Policy[] {
  const config = Bun.YAML.parse(readFileSync(join(root, 'otel/collector.yaml'), 'utf8')) as any
  return config.processors.tail_sampling.policies as Policy[]
}

const attribute = (span: PolicySpan, key: string) => span.attributes[key] ?? span.resource[key]

function matches(policy: Policy, spans: PolicySpan[]): boolean {
  switch (policy.type) {
    case 'always_sample':
      return true
    case 'boolean_attribute': {
      const { key, value } = policy.boolean_attribute as { key: string; value: boolean }
      return spans.some((s) => attribute(s, key) === value)
    }
    case 'status_code': {
      const codes = (policy.status_code as { status_codes: string[] }).status_codes.map((c) => STATUS[c])
      return spans.some((s) => codes.includes(s.status.code ?? 0))
    }
    case 'string_attribute': {
      const { key, values } = policy.string_attribute as { key: string; values: string[] }
      return spans.some((s) => values.includes(String(attribute(s, key))))
    }
    default:
      throw new Error(`policy ${policy.name}: type ${policy.type} is not evaluated here`)
  }
}

/**
 * The first deterministic policy that keeps a trace made of `spans`, or undefined.
 *
 * @example
 * deterministicKeeper(tailSamplingPolicies(), spansOfTrace) // 'keep-marked'
 */
export function deterministicKeeper(policies: Policy[], spans: PolicySpan[]): string | undefined {
  return policies.find((p) => !CHANCE_POLICY_TYPES.has(p.type) && matches(p, spans))?.name
}
