/**
 * What the `otlp` receiver's `http` protocol of the pinned collector takes
 * (otel/opentelemetry-collector-contrib:0.157.0, compose.yaml; its otlpreceiver is
 * open-telemetry/opentelemetry-collector receiver/otlpreceiver at tag receiver/otlpreceiver/v0.157.0).
 * test/support/otlp-receiver.ts behaves the same way for the tests.
 */
export const OTLP_HTTP_RECEIVER = {
  /** Default URL paths when `traces_url_path` / `logs_url_path` are not set. */
  paths: { traces: '/v1/traces', logs: '/v1/logs' },
  /** Request media types it decodes; anything else is answered 415. */
  contentTypes: { 'http/protobuf': 'application/x-protobuf', 'http/json': 'application/json' } as Record<string, string>,
  source:
    'receiver/otlpreceiver/factory.go (defaultTracesURLPath = "/v1/traces", defaultLogsURLPath = "/v1/logs"; http endpoint localhost:4318); ' +
    'encoder.go (pbContentType = "application/x-protobuf", jsonContentType = "application/json"); ' +
    'otlphttp.go readContentType: the media type (mime.ParseMediaType) picks pbEncoder or jsEncoder, anything else handleUnmatchedContentType (415); ' +
    'handleTraces/handleLogs answer with writeResponse(resp, enc.contentType(), 200, msg): the Export*ServiceResponse in the request\'s encoding',
}
