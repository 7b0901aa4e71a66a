import { describe, expect, test } from 'bun:test'
import { ConfigError, loadConfig, otlpSignalProtocol, otlpSignalUrl } from './config.ts'

describe('loadConfig', () => {
  test('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({})
    expect(config.PORT).toBe(8080)
    expect(config.HOST).toBe('0.0.0.0')
    expect(config.TTS_ENGINE).toBe('espeak')
    expect(config.TTS_CACHE_DIR).toBe('.cache/tts')
    expect(config.OTEL_SERVICE_NAME).toBe('tts-edge')
    expect(config.OTEL_SDK_DISABLED).toBe(false)
    expect(config.TTS_API_KEYS).toBeUndefined()
  })

  test('reports every bad key at once', () => {
    try {
      loadConfig({ PORT: 'eighty', TTS_ENGINE: 'festival', OTEL_SDK_DISABLED: 'maybe', TTS_MAX_QUEUE: '-1' })
      throw new Error('expected a ConfigError')
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError)
      const keys = (err as ConfigError).problems.map((p) => p.split('=')[0])
      expect(keys.sort()).toEqual(['OTEL_SDK_DISABLED', 'PORT', 'TTS_ENGINE', 'TTS_MAX_QUEUE'])
    }
  })

  test('validates the trace keep settings, all reported at once', () => {
    expect(loadConfig({})).toMatchObject({ TTS_TRACE_KEEP_RATIO: 0.1, TTS_TRACE_KEEP_SLOW_MS: 1000, TTS_EXEMPLAR_INTERVAL_SECONDS: 15 })
    expect(loadConfig({ TTS_TRACE_KEEP_RATIO: '0' }).TTS_TRACE_KEEP_RATIO).toBe(0)
    try {
      loadConfig({ TTS_TRACE_KEEP_RATIO: '1.5', TTS_TRACE_KEEP_SLOW_MS: 'slow', TTS_EXEMPLAR_INTERVAL_SECONDS: '-1' })
      throw new Error('expected a ConfigError')
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError)
      const keys = (err as ConfigError).problems.map((p) => p.split('=')[0])
      expect(keys.sort()).toEqual(['TTS_EXEMPLAR_INTERVAL_SECONDS', 'TTS_TRACE_KEEP_RATIO', 'TTS_TRACE_KEEP_SLOW_MS'])
    }
  })

  test('treats empty strings as unset, as compose files produce them', () => {
    expect(loadConfig({ PORT: '', TTS_REDIS_URL: '' }).PORT).toBe(8080)
  })

  test('parses API keys and OTLP headers', () => {
    const config = loadConfig({ TTS_API_KEYS: 'a, b,,c', OTEL_EXPORTER_OTLP_HEADERS: 'x-token=a%20b,tenant=t1' })
    expect(config.TTS_API_KEYS).toEqual(['a', 'b', 'c'])
    expect(config.OTEL_EXPORTER_OTLP_HEADERS).toEqual({ 'x-token': 'a b', tenant: 't1' })
  })

  test('the memory cache tier: 64 MiB by default, 0 switches it off, a negative size is refused', () => {
    expect(loadConfig({}).TTS_CACHE_MEMORY_BYTES).toBe(64 * 1024 * 1024)
    expect(loadConfig({ TTS_CACHE_MEMORY_BYTES: '0' }).TTS_CACHE_MEMORY_BYTES).toBe(0)
    expect(() => loadConfig({ TTS_CACHE_MEMORY_BYTES: '-1' })).toThrow(ConfigError)
  })

  test('rejects a Redis URL that is not one', () => {
    expect(() => loadConfig({ TTS_REDIS_URL: 'localhost:6379' })).toThrow(ConfigError)
  })

  test('derives per-signal OTLP endpoints from the base endpoint unless set', () => {
    expect(otlpSignalUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }), 'traces')).toBe('http://c:4318/v1/traces')
    expect(otlpSignalUrl(loadConfig({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://l:1/logs' }), 'logs')).toBe('http://l:1/logs')
  })

  test("exports OTLP/HTTP protobuf by default; a signal's own protocol wins over the general one", () => {
    const defaults = loadConfig({})
    expect([otlpSignalProtocol(defaults, 'traces'), otlpSignalProtocol(defaults, 'logs')]).toEqual(['http/protobuf', 'http/protobuf'])
    const mixed = loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/protobuf' })
    expect([otlpSignalProtocol(mixed, 'traces'), otlpSignalProtocol(mixed, 'logs')]).toEqual(['http/json', 'http/protobuf'])
    const tracesOnly = loadConfig({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })
    expect([otlpSignalProtocol(tracesOnly, 'traces'), otlpSignalProtocol(tracesOnly, 'logs')]).toEqual(['http/json', 'http/protobuf'])
  })

  test('refuses grpc and unknown OTLP protocols, naming the accepted values, every bad key at once', () => {
    const error = (() => {
      try {
        loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/xml' })
      } catch (err) {
        return err as ConfigError
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect(error!.problems).toEqual([
      'OTEL_EXPORTER_OTLP_PROTOCOL="grpc": expected http/protobuf or http/json (OTLP over gRPC is not built in)',
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="http/xml": expected http/protobuf or http/json (OTLP over gRPC is not built in)',
    ])
  })
})
