import { expect, test } from 'bun:test'
import { hostname } from 'node:os'
import { loadConfig } from '../config.ts'
import { instanceId, telemetryResource } from './resource.ts'

test('service.instance.id given in OTEL_RESOURCE_ATTRIBUTES wins over the hostname', () => {
  const config = loadConfig({ OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=tts-edge-5c8d-x2,team=voice' })
  expect(instanceId(config)).toBe('tts-edge-5c8d-x2')
  expect(telemetryResource(config).attributes['service.instance.id']).toBe('tts-edge-5c8d-x2')
})

test('without one, the instance is the hostname (the pod name), with the pid outside a container', () => {
  const id = instanceId(loadConfig({}))
  expect(id).toBe(process.pid === 1 ? hostname() : `${hostname()}:${process.pid}`)
})
