/**
 * Static checks of the observability stack as code (compose.yaml, Dockerfile, otel/, tempo/,
 * loki/, prometheus/, grafana/): everything that can be verified without Docker.
 *
 * - every YAML file parses (Bun.YAML) and starts with a header comment;
 * - every LogQL / TraceQL / PromQL expression in the dashboard and the datasource links parses
 *   (@grafana/lezer-logql, @grafana/lezer-traceql, @prometheus-io/lezer-promql) without error nodes;
 * - every datasource uid referenced by a panel, target, variable or link is provisioned;
 * - the dashboard only uses metric names the service exports (docs/observability.md, "Metrics");
 * - every image is pinned to a version; every file a compose volume mounts exists;
 * - every alert has a runbook_url whose docs/runbooks.md anchor exists;
 * - promtool check config / check rules / test rules pass (promtool must be on PATH).
 * The dashboard's type check against @grafana/schema is grafana/dashboard.typecheck.ts (tsc).
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, mkdtempSync, writeFileSync, copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { parser as logqlParser } from "@grafana/lezer-logql";
import { parser as traceqlParser } from "@grafana/lezer-traceql";
import { parser as promqlParser } from "@prometheus-io/lezer-promql";
import { deterministicKeeper, tailSamplingPolicies } from "./support/collector-policies.ts";
import { allPromQLQueries, repoRoot, substituteGrafanaVariables, tempoGeneratedQueries } from "./support/dashboard-queries.ts";
import { IMAGE_FACTS } from "./support/image-facts.ts";
import { OTLP_HTTP_RECEIVER } from "./support/otlp-receiver-facts.ts";
import { headingAnchors } from "./support/markdown.ts";

const root = repoRoot;
const read = (path: string) => readFileSync(join(root, path), "utf8");
const yaml = (path: string) => Bun.YAML.parse(read(path)) as any;

const STACK_DIRS = ["otel", "tempo", "loki", "prometheus", "grafana"];
const yamlFiles = [
  "compose.yaml",
  ...STACK_DIRS.flatMap((dir) => [...new Bun.Glob(`${dir}/**/*.{yml,yaml}`).scanSync({ cwd: root })]),
].sort();

const dashboardPath = "grafana/dashboards/tts-edge.json";
const dashboard = JSON.parse(read(dashboardPath));
const datasourcesDoc = yaml("grafana/provisioning/datasources/datasources.yaml");
const provisioned: Array<{ uid: string; type: string; name: string; jsonData?: any }> = datasourcesDoc.datasources;
const uidTypes = new Map(provisioned.map((ds) => [ds.uid, ds.type]));

/** Metric names of docs/observability.md "Metrics" (histograms listed by their base name). */
const DOCUMENTED_METRICS = {
  counters: [
    "speech_request_total", "speech_language_total", "streaming_created_total", "streaming_ended_total",
    "streaming_message_total", "streaming_error_total", "streaming_language_total", "tts_frames_sent_total",
    "tts_frames_dropped_total", "tts_errors_total",
    // docs/gateway.md "Metrics" (upstream engines):
    "tts_upstream_errors_total", "tts_upstream_characters_total", "tts_fallback_total",
    // The seeds' names (docs/observability.md "Seed metrics"):
    "tts_sessions_total", "sla_violations_total", "tts_synthesis_requests_total", "synthesis_errors_total",
    "tts_audio_frames_generated_total", "tts_audio_normalization_total", "tts_model_load_total",
    "tts_model_load_errors_total", "tts_model_unload_total", "tts_model_eviction_total",
    // docs/observability.md "Usage and cost":
    "tts_characters_total", "tts_cost_total", "tts_cache_saved_characters_total",
  ],
  histograms: [
    "speech_create_duration_seconds", "streaming_duration_seconds", "tts_request_duration_seconds",
    "tts_word_count_duration_seconds", "tts_character_count_duration_seconds", "tts_first_audio_latency_seconds",
    "tts_synthesis_rtf", "tts_barge_in_latency_seconds",
    "tts_upstream_request_duration_seconds", "tts_upstream_first_byte_seconds",
    "tts_session_duration_seconds", "tts_frame_send_duration_seconds", "tts_synthesis_duration_seconds",
    "tts_model_load_duration_seconds",
  ],
  gauges: [
    "streaming_active", "tts_synthesis_queue_depth", "tts_synthesis_workers_busy",
    "tts_websocket_connections_active", "tts_cache_bytes", "tts_upstream_circuit_state",
    "tts_sessions_active", "tts_session_queue_depth", "tts_frame_queue_depth", "worker_utilization_percent",
    "tts_active_voices", "tts_system_cpu_usage_percent", "tts_system_memory_usage_bytes",
    "tts_system_memory_total_bytes", "tts_models_resident_count", "tts_audio_loudness_lufs",
    "tts_key_budget_used_ratio",
  ],
};
const allowedMetricNames = new Set<string>([
  ...DOCUMENTED_METRICS.counters,
  ...DOCUMENTED_METRICS.gauges,
  ...DOCUMENTED_METRICS.histograms.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
  "up",
]);

// ------------------------------------------------------------------------------- helpers

/** A lezer tree (the three grammars share @lezer/common's Tree). */
type Tree = ReturnType<typeof logqlParser.parse>;

/** Every error node of a lezer tree, as `offset: text` for a readable failure. */
function errorNodes(tree: Tree, text: string): string[] {
  const errors: string[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(`${node.from}: ${JSON.stringify(text.slice(Math.max(0, node.from - 10), node.to + 10))}`);
    },
  });
  return errors;
}

/** Walks any JSON value, calling fn on every object with its path. */
function walk(value: unknown, fn: (obj: Record<string, any>, path: string) => void, path = "$"): void {
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, fn, `${path}[${i}]`));
  else if (value && typeof value === "object") {
    fn(value as Record<string, any>, path);
    for (const [k, v] of Object.entries(value)) walk(v, fn, `${path}.${k}`);
  }
}

interface Expression { text: string; where: string }

function dashboardTargets(type: string): Expression[] {
  const out: Expression[] = [];
  for (const panel of dashboard.panels as any[]) {
    for (const target of panel.targets ?? []) {
      const ds = target.datasource ?? panel.datasource;
      if (ds?.type !== type) continue;
      const text = type === "tempo" ? target.query : target.expr;
      out.push({ text, where: `${dashboardPath} › ${panel.title} › ${target.refId}` });
    }
  }
  return out;
}

/** Grafana's span variables in the Tempo datasource's custom log query. */
const SPAN_VARIABLES = {
  __tags: 'service_name="tts-edge"',
  "__trace.traceId": "0af7651916cd43dd8448eb211c80319c",
  "__span.spanId": "b7ad6b7169203331",
};

function logqlExpressions(): Expression[] {
  const out = dashboardTargets("loki");
  for (const ds of provisioned) {
    const t2l = ds.jsonData?.tracesToLogsV2;
    if (t2l?.customQuery && typeof t2l.query === "string") {
      out.push({ text: t2l.query, where: `datasources.yaml › ${ds.name} › tracesToLogsV2.query` });
    }
  }
  return out;
}

function traceqlExpressions(): Expression[] {
  return dashboardTargets("tempo");
}

// ------------------------------------------------------------------------------- YAML

describe("YAML files", () => {
  test("the stack has the expected config files", () => {
    for (const f of [
      "compose.yaml", "otel/collector.yaml", "tempo/tempo.yaml", "loki/loki.yaml", "prometheus/prometheus.yml",
      "prometheus/alerts.yml", "prometheus/alerts.test.yml", "grafana/provisioning/datasources/datasources.yaml",
      "grafana/provisioning/dashboards/dashboards.yaml",
    ]) expect(yamlFiles).toContain(f);
  });

  test.each(yamlFiles)("%s parses and starts with a header comment", (file) => {
    const text = read(file);
    expect(() => Bun.YAML.parse(text)).not.toThrow();
    expect(Bun.YAML.parse(text)).toBeObject();
    expect(text.trimStart().startsWith("#")).toBe(true);
  });

  test("the dashboard JSON explains itself in a top-level description", () => {
    expect(typeof dashboard.description).toBe("string");
    expect(dashboard.description.length).toBeGreaterThan(40);
  });
});

// ------------------------------------------------------------------------------- query languages

describe("query languages", () => {
  test("the dashboard has LogQL, TraceQL and PromQL queries", () => {
    expect(logqlExpressions().length).toBeGreaterThanOrEqual(2);
    expect(traceqlExpressions().length).toBeGreaterThanOrEqual(1);
    expect(allPromQLQueries().length).toBeGreaterThan(20);
  });

  test("every LogQL expression parses without error nodes", () => {
    for (const { text, where } of logqlExpressions()) {
      const q = substituteGrafanaVariables(substituteGrafanaVariables(text, SPAN_VARIABLES));
      expect(q, where).not.toContain("$");
      expect(errorNodes(logqlParser.parse(q), q), `${where}: ${q}`).toEqual([]);
    }
  });

  test("every TraceQL expression parses without error nodes", () => {
    for (const { text, where } of traceqlExpressions()) {
      const q = substituteGrafanaVariables(text);
      expect(errorNodes(traceqlParser.parse(q), q), `${where}: ${q}`).toEqual([]);
    }
  });

  test("the parsers do report errors (guards the checks above)", () => {
    expect(errorNodes(logqlParser.parse('{service_name="tts-edge" | trace_id='), "x").length).toBeGreaterThan(0);
    expect(errorNodes(traceqlParser.parse("{resource.service.name = }"), "x").length).toBeGreaterThan(0);
    expect(errorNodes(promqlParser.parse("sum(rate(x[5m])"), "x").length).toBeGreaterThan(0);
  });

  test("every PromQL expression (dashboard, alerts, datasource links) parses without error nodes", () => {
    for (const q of allPromQLQueries()) {
      expect(q.expr, q.source).not.toContain("$");
      expect(errorNodes(promqlParser.parse(q.expr), q.expr), `${q.source}: ${q.expr}`).toEqual([]);
    }
  });

  test("PromQL uses only documented metric names (plus Tempo-generated traces_* metrics)", () => {
    for (const q of allPromQLQueries()) {
      const tree = promqlParser.parse(q.expr);
      tree.iterate({
        enter(node) {
          if (node.name !== "Identifier" || node.node.parent?.name !== "VectorSelector") return;
          const name = q.expr.slice(node.from, node.to);
          if (name.startsWith("traces_spanmetrics_") || name.startsWith("traces_service_graph_")) return;
          expect(allowedMetricNames.has(name), `${q.source}: unknown metric ${name}`).toBe(true);
        },
      });
    }
  });

  test("histograms are queried through _bucket/_sum/_count and counters end in _total", () => {
    for (const q of allPromQLQueries()) {
      for (const h of DOCUMENTED_METRICS.histograms) {
        expect(new RegExp(`\\b${h}(?!_(bucket|sum|count))\\b`).test(q.expr), `${q.source}: bare histogram ${h}`).toBe(false);
      }
    }
  });

  test("Tempo-generated metrics are flagged", () => {
    const tempo = tempoGeneratedQueries();
    expect(tempo.length).toBeGreaterThan(0);
    for (const q of tempo) expect(q.expr).toMatch(/traces_(spanmetrics|service_graph)_/);
  });
});

// ------------------------------------------------------------------------------- Grafana

describe("Grafana provisioning", () => {
  test("datasources have the pinned uids", () => {
    expect(Object.fromEntries(uidTypes)).toEqual({ prometheus: "prometheus", tempo: "tempo", loki: "loki" });
  });

  test("every datasource uid referenced by the dashboard is provisioned, with the right type", () => {
    let refs = 0;
    walk(dashboard, (obj, path) => {
      const ds = obj.datasource;
      if (!ds || typeof ds !== "object" || typeof ds.uid !== "string") return;
      if (ds.uid === "-- Grafana --") return; // built-in annotations
      refs++;
      expect(uidTypes.has(ds.uid), `${path}.datasource.uid = ${ds.uid}`).toBe(true);
      if (ds.type) expect(ds.type, `${path}.datasource.type`).toBe(uidTypes.get(ds.uid)!);
    });
    expect(refs).toBeGreaterThan(20);
  });

  test("every datasourceUid in the datasource links is provisioned", () => {
    const links: string[] = [];
    walk(datasourcesDoc, (obj, path) => {
      if (typeof obj.datasourceUid === "string") {
        links.push(obj.datasourceUid);
        expect(uidTypes.has(obj.datasourceUid), `${path}.datasourceUid = ${obj.datasourceUid}`).toBe(true);
      }
    });
    expect(links.length).toBeGreaterThanOrEqual(5);
  });

  test("the correlations of docs/observability.md are configured", () => {
    const byUid = (uid: string) => provisioned.find((d) => d.uid === uid)!.jsonData;
    expect(byUid("prometheus").exemplarTraceIdDestinations).toContainEqual(
      expect.objectContaining({ name: "trace_id", datasourceUid: "tempo" }),
    );
    const tempo = byUid("tempo");
    expect(tempo.tracesToLogsV2.datasourceUid).toBe("loki");
    expect(tempo.tracesToLogsV2.query).toContain("trace_id=");
    expect(tempo.tracesToMetrics.datasourceUid).toBe("prometheus");
    expect(tempo.serviceMap.datasourceUid).toBe("prometheus");
  });

  test("a Loki line gets exactly one trace link, and only when its trace was kept", () => {
    const derived = provisioned.find((d) => d.uid === "loki")!.jsonData.derivedFields as Array<{ matcherType: string; matcherRegex: string; datasourceUid: string }>;
    expect(derived).toHaveLength(1);
    expect(derived[0]).toMatchObject({ matcherType: "regex", datasourceUid: "tempo" });
    // Grafana applies the regex to the line and links capture group 1; lines as pino writes them.
    const regex = new RegExp(derived[0]!.matcherRegex);
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const line = (kept: boolean) =>
      JSON.stringify({ level: 30, service: "tts-edge", request_id: "r1", trace_id: traceId, span_id: "b7ad6b7169203331", trace_flags: "01", route: "/v1/audio/speech", status: 200, trace_kept: kept, msg: "request completed" });
    expect(regex.exec(line(true))?.[1]).toBe(traceId);
    expect(regex.exec(line(false))).toBeNull();
    expect(regex.exec(JSON.stringify({ trace_id: traceId, msg: "cache operation failed" }))).toBeNull();
  });

  test("the Tempo datasource sets no option Grafana ignores, and reads rates from histograms that count every request", () => {
    const tempo = provisioned.find((d) => d.uid === "tempo")!.jsonData;
    // With customQuery the query runs as written; filterByTraceID/filterBySpanID only shape the built one.
    expect(tempo.tracesToLogsV2.customQuery).toBe(true);
    expect(tempo.tracesToLogsV2).not.toHaveProperty("filterByTraceID");
    expect(tempo.tracesToLogsV2).not.toHaveProperty("filterBySpanID");
    for (const q of tempo.tracesToMetrics.queries as Array<{ query: string }>) {
      expect(q.query).toContain("tts_request_duration_seconds_");
      expect(q.query).not.toContain("traces_spanmetrics");
    }
  });

  test("no alert rule reads Tempo's span metrics or service graph (kept traces only)", () => {
    expect(read("prometheus/alerts.yml")).not.toMatch(/^\s*(expr|-).*traces_(spanmetrics|service_graph)_/m);
  });

  test("panels reading Tempo's span metrics say they see kept traces only", () => {
    for (const panel of dashboard.panels as any[]) {
      const exprs = (panel.targets ?? []).map((t: any) => String(t.expr ?? ""));
      if (exprs.some((e: string) => /traces_(spanmetrics|service_graph)_/.test(e))) {
        expect(panel.description, panel.title).toContain("kept");
        expect(panel.description, panel.title).toContain("count every request");
      }
    }
  });

  test("the dashboard has the rows, variables and panel types the schema allows", () => {
    const rows = dashboard.panels.filter((p: any) => p.type === "row").map((p: any) => p.title);
    expect(rows).toEqual(["Overview", "Batch TTS", "Streaming", "Throughput & API", "Logs & traces", "Upstreams", "Usage and cost", "Engines and models"]);
    const vars = Object.fromEntries(dashboard.templating.list.map((v: any) => [v.name, v]));
    expect(vars.route.query.query).toBe("label_values(tts_request_duration_seconds_count, route)");
    expect(vars.instance.type).toBe("query");
    const knownPanelTypes = new Set(["row", "stat", "timeseries", "bargauge", "logs", "table", "piechart", "gauge", "text", "traces"]);
    const ids = new Set<number>();
    for (const p of dashboard.panels) {
      expect(knownPanelTypes.has(p.type), p.title).toBe(true);
      expect(ids.has(p.id), `duplicate panel id ${p.id}`).toBe(false);
      ids.add(p.id);
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      const refIds = (p.targets ?? []).map((t: any) => t.refId);
      expect(new Set(refIds).size, p.title).toBe(refIds.length);
    }
    const exemplarPanels = dashboard.panels.filter((p: any) => (p.targets ?? []).some((t: any) => t.exemplar === true));
    expect(exemplarPanels.map((p: any) => p.title)).toEqual(
      expect.arrayContaining(["Speech creation p95 (exemplars)", "First-audio latency p95 (exemplars)", "Request duration p95 by route (exemplars)", "Synthesis p95 by model (exemplars)"]),
    );
  });
});

// ------------------------------------------------------------------------------- compose

describe("compose.yaml and Dockerfile", () => {
  const compose = yaml("compose.yaml");
  const services = Object.entries(compose.services as Record<string, any>);

  test("the stack has every service", () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(["tts-edge", "otel-collector", "tempo", "loki", "prometheus", "grafana"]),
    );
  });

  test("every image is pinned to a version (no latest, no bare name)", () => {
    const images = services.map(([name, svc]) => [name, svc.image] as const);
    for (const [name, image] of images) {
      expect(typeof image, `${name} has an image`).toBe("string");
      const tag = /:([^/:@]+)$/.exec(image)?.[1];
      expect(tag, `${name}: ${image} has a tag`).toBeDefined();
      expect(tag, `${name}: ${image}`).not.toBe("latest");
      expect(tag!, `${name}: ${image} is a version`).toMatch(/^v?\d+\.\d+(\.\d+)?/);
    }
    const froms = [...read("Dockerfile").matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    expect(froms.length).toBeGreaterThan(0);
    for (const from of froms) expect(from, `Dockerfile FROM ${from}`).toMatch(/^[\w./-]+:v?\d+\.\d+\.\d+[\w.-]*$/);
    expect(froms[froms.length - 1]).toStartWith("oven/bun:");
  });

  test("every file or folder mounted from the repository exists", () => {
    let mounts = 0;
    for (const [name, svc] of services) {
      for (const volume of svc.volumes ?? []) {
        const source = typeof volume === "string" ? volume.split(":")[0]! : volume.source;
        if (!source.startsWith(".") && !source.startsWith("/")) {
          expect(Object.keys(compose.volumes ?? {}), `${name}: named volume ${source}`).toContain(source);
          continue;
        }
        mounts++;
        expect(existsSync(join(root, source)), `${name}: ${source}`).toBe(true);
      }
    }
    expect(mounts).toBeGreaterThanOrEqual(6);
  });

  test("every healthcheck runs a binary its image holds (IMAGE_FACTS), and waits only on services that have one", () => {
    for (const [name, svc] of services) {
      const facts = IMAGE_FACTS[svc.image];
      expect(facts, `${name}: ${svc.image} has written facts in test/support/image-facts.ts`).toBeDefined();
      const test = svc.healthcheck?.test as string[] | undefined;
      if (test) {
        expect(["CMD", "CMD-SHELL"], name).toContain(test[0]!);
        if (test[0] === "CMD-SHELL") expect(facts!.shell, `${name}: CMD-SHELL needs a shell (${facts!.source})`).toBe(true);
        const binary = test[0] === "CMD" ? test[1]! : test[1]!.split(/\s+/)[0]!;
        const present = binary.startsWith("/") ? facts!.files.includes(binary) : facts!.onPath.includes(binary);
        expect(present, `${name}: ${binary} is in ${svc.image} (${facts!.source})`).toBe(true);
      }
      for (const [dependency, cond] of Object.entries((svc.depends_on ?? {}) as Record<string, { condition: string }>)) {
        if (cond.condition === "service_healthy") {
          expect(compose.services[dependency].healthcheck?.test, `${name} waits for ${dependency} to be healthy`).toBeArray();
        }
      }
    }
    for (const name of ["tts-edge", "loki", "prometheus", "grafana"]) {
      expect(compose.services[name].healthcheck?.test, name).toBeArray();
    }
    expect(compose.services.loki.healthcheck.test).toEqual(["CMD", "/usr/bin/loki", "-health"]);
  });

  test("every pinned image cites the release that confirms its tag", () => {
    const text = read("compose.yaml");
    for (const [name, svc] of services) {
      if (svc.build) continue;
      const [repo, tag] = (svc.image as string).split(":");
      expect(text, `${name}: the header names ${svc.image}`).toContain(svc.image);
      expect(IMAGE_FACTS[svc.image]!.release.length, `${name}: release of ${repo} ${tag}`).toBeGreaterThan(10);
    }
  });

  test("services have healthchecks where the image can run one", () => {
    expect(read("Dockerfile")).toContain("/healthz");
    expect(read("Dockerfile")).toMatch(/^USER\s+(?!root)\S+/m);
    expect(read("Dockerfile")).toContain("libespeak-ng1");
  });

  test("Prometheus runs with exemplar storage and the remote-write receiver", () => {
    const cmd = compose.services.prometheus.command as string[];
    expect(cmd).toContain("--enable-feature=exemplar-storage");
    expect(cmd).toContain("--web.enable-remote-write-receiver");
  });

  test("the collector config names components of the pinned contrib version", () => {
    const otel = yaml("otel/collector.yaml");
    expect(Object.keys(otel.processors)).toEqual(["memory_limiter", "tail_sampling"]);
    expect(otel.service.pipelines.traces.processors).toEqual(["memory_limiter", "tail_sampling"]);
    const policies = otel.processors.tail_sampling.policies.map((p: any) => p.type);
    expect(policies).toEqual(["boolean_attribute", "status_code"]);
    for (const exporter of Object.keys(otel.exporters)) expect(exporter).toMatch(/^(otlp_grpc|otlp_http)\//);
    expect(otel.receivers.otlp.protocols.grpc.endpoint).toBe("0.0.0.0:4317");
    expect(otel.receivers.otlp.protocols.http.endpoint).toBe("0.0.0.0:4318");
  });

  test("the collectors tts-edge exports to take its OTLP/HTTP encoding on the default paths", () => {
    // Fact and its source: test/support/otlp-receiver-facts.ts.
    const env = (list: Array<{ name: string; value?: string }>) => Object.fromEntries(list.map((e) => [e.name, e.value]));
    const deployment = yaml("deploy/kubernetes/base/tts-edge/deployment.yaml");
    const container = deployment.spec.template.spec.containers.find((c: any) => c.name === "tts-edge");
    const senders = [
      { config: "otel/collector.yaml", env: yaml("compose.yaml").services["tts-edge"].environment },
      { config: "deploy/kubernetes/base/collector/agent.yaml", env: env(container.env) },
    ];
    for (const { config, env } of senders) {
      const http = yaml(config).receivers.otlp.protocols.http;
      expect(http.endpoint, config).toEndWith(":4318");
      expect(http.traces_url_path ?? OTLP_HTTP_RECEIVER.paths.traces, config).toBe("/v1/traces");
      expect(http.logs_url_path ?? OTLP_HTTP_RECEIVER.paths.logs, config).toBe("/v1/logs");
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT, config).toEndWith(":4318");
      // Unset means the service's default, http/protobuf.
      expect(OTLP_HTTP_RECEIVER.contentTypes[env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf"], config).toBe("application/x-protobuf");
    }
  });

  test("the collector keeps a trace tts-edge marked, or one with an error, and nothing by chance", () => {
    const policies = tailSamplingPolicies();
    const span = (attributes: Record<string, unknown>, code = 0) => ({ attributes, resource: { "service.name": "tts-edge" }, status: { code } });
    expect(deterministicKeeper(policies, [span({}), span({ "tts.sampling.keep": true })])).toBe("keep-marked");
    expect(deterministicKeeper(policies, [span({}, 2)])).toBe("keep-errors");
    expect(deterministicKeeper(policies, [span({}), span({ "tts.sampling.keep": false })])).toBeUndefined();
    expect(policies.map((p) => p.type)).not.toContain("probabilistic");
  });
});

// ------------------------------------------------------------------------------- alerts

/** Every promtool unit-test file under prometheus/, and the rule files each loads. */
const RULE_TEST_FILES = [...new Bun.Glob("*.test.yml").scanSync({ cwd: join(root, "prometheus") })].sort();
const ALERT_TEST_FILES = RULE_TEST_FILES.filter((file) => (yaml(`prometheus/${file}`).rule_files as string[]).includes("alerts.yml"));
/** Rule files prometheus.yml loads: each is checked by promtool and unit-tested. */
const RULE_FILES = yaml("prometheus/prometheus.yml").rule_files as string[];

describe("alert rules", () => {
  const rules = (yaml("prometheus/alerts.yml").groups as any[]).flatMap((g) => g.rules).filter((r: any) => r.alert);
  // Alert unit tests are split by concept; each file names alerts.yml among its rule files.
  const tests = ALERT_TEST_FILES.flatMap((file) => yaml(`prometheus/${file}`).tests as any[]);

  test("cover the SLOs of the issue", () => {
    const exprs = rules.map((r: any) => r.expr).join("\n");
    for (const metric of [
      "tts_request_duration_seconds_count", "tts_request_duration_seconds_bucket", "tts_first_audio_latency_seconds_bucket",
      "tts_synthesis_rtf_bucket", "tts_synthesis_queue_depth", "tts_frames_dropped_total", "tts_barge_in_latency_seconds_bucket",
    ]) expect(exprs).toContain(metric);
    expect(exprs).toMatch(/\bup\s*==\s*0/);
  });

  test("every alert is unit-tested firing and quiet", () => {
    for (const rule of rules) {
      const cases = tests.flatMap((t) => t.alert_rule_test ?? []).filter((c: any) => c.alertname === rule.alert);
      expect(cases.some((c: any) => (c.exp_alerts ?? []).length > 0), `${rule.alert} fires in a test`).toBe(true);
      expect(cases.some((c: any) => (c.exp_alerts ?? []).length === 0), `${rule.alert} stays quiet in a test`).toBe(true);
    }
  });

  test("every alert has a runbook_url whose docs/runbooks.md anchor exists", () => {
    const runbooksPath = join(root, "docs", "runbooks.md");
    expect(existsSync(runbooksPath), "docs/runbooks.md exists").toBe(true);
    const anchors = headingAnchors(readFileSync(runbooksPath, "utf8"));
    for (const rule of rules) {
      const url: string | undefined = rule.annotations?.runbook_url;
      expect(url, `${rule.alert} runbook_url`).toMatch(/\/docs\/runbooks\.md#[a-z0-9-]+$/);
      const anchor = url!.split("#")[1]!;
      expect(anchors.has(anchor), `${rule.alert}: docs/runbooks.md has no section for #${anchor}`).toBe(true);
    }
  });
});

// ------------------------------------------------------------------------------- promtool

/** Keys of prometheus.yml newer than the promtool on this machine (Debian bookworm ships 2.42). */
const NEWER_SCRAPE_KEYS: Array<{ key: string; since: [number, number] }> = [
  { key: "scrape_protocols", since: [2, 49] },
  { key: "fallback_scrape_protocol", since: [3, 0] },
];

function promtoolVersion(promtool: string): [number, number] {
  const out = Bun.spawnSync([promtool, "--version"]).stdout.toString() + Bun.spawnSync([promtool, "--version"]).stderr.toString();
  const m = /version\s+(\d+)\.(\d+)/.exec(out);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

function runPromtool(promtool: string, args: string[], cwd: string) {
  const proc = Bun.spawnSync([promtool, ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  return { code: proc.exitCode, output: `${proc.stdout.toString()}${proc.stderr.toString()}` };
}

describe("promtool", () => {
  const promtool = Bun.which("promtool");
  const promDir = join(root, "prometheus");
  const requirePromtool = () => {
    if (!promtool) {
      throw new Error(
        "promtool is not on PATH: install it (Debian: `apt-get install prometheus`, or a Prometheus release tarball) to run the config, rule and alert unit-test checks.",
      );
    }
    return promtool;
  };

  test("promtool check config prometheus/prometheus.yml", () => {
    const bin = requirePromtool();
    const [major, minor] = promtoolVersion(bin);
    const tooNew = NEWER_SCRAPE_KEYS.filter(({ since: [a, b] }) => major < a || (major === a && minor < b));
    let dir = promDir;
    if (tooNew.length > 0) {
      // An older promtool rejects keys it does not know. Check everything else with it, and
      // the newer keys against the values the pinned Prometheus (v3.15) accepts.
      const config = yaml("prometheus/prometheus.yml");
      const valid = new Set(["PrometheusProto", "OpenMetricsText0.0.1", "OpenMetricsText1.0.0", "PrometheusText0.0.4", "PrometheusText1.0.0"]);
      for (const job of config.scrape_configs) {
        for (const { key } of tooNew) {
          const value = job[key];
          if (value === undefined) continue;
          for (const p of [value].flat()) expect(valid.has(p), `${job.job_name}.${key}: ${p}`).toBe(true);
        }
      }
      dir = mkdtempSync(join(tmpdir(), "promtool-"));
      let text = read("prometheus/prometheus.yml");
      for (const { key } of tooNew) text = text.replace(new RegExp(`^(\\s*)${key}:(?:\\n\\1\\s+- .*|.*)+$`, "gm"), "");
      writeFileSync(join(dir, "prometheus.yml"), text);
      for (const file of RULE_FILES) copyFileSync(join(promDir, file), join(dir, file));
      console.warn(
        `promtool ${major}.${minor} predates ${tooNew.map((k) => k.key).join(", ")}: checked without them (values validated separately); a promtool >= 3.0 checks the file as is.`,
      );
    }
    try {
      const { code, output } = runPromtool(bin, ["check", "config", "prometheus.yml"], dir);
      expect(output).toContain("SUCCESS");
      expect(code, output).toBe(0);
    } finally {
      if (dir !== promDir) rmSync(dir, { recursive: true, force: true });
    }
  });

  test("promtool check rules: every rule file prometheus.yml loads", () => {
    expect(RULE_FILES).toEqual(["alerts.yml", "seed-rules.yml"]);
    const { code, output } = runPromtool(requirePromtool(), ["check", "rules", ...RULE_FILES], promDir);
    expect(code, output).toBe(0);
  });

  test("every rule file has unit tests", () => {
    const tested = new Set(RULE_TEST_FILES.flatMap((file) => yaml(`prometheus/${file}`).rule_files as string[]));
    for (const file of RULE_FILES) expect(tested.has(file), `${file} is loaded by a *.test.yml`).toBe(true);
  });

  test.each(RULE_TEST_FILES)("promtool test rules prometheus/%s", (file) => {
    const { code, output } = runPromtool(requirePromtool(), ["test", "rules", file], promDir);
    expect(code, output).toBe(0);
    expect(output).toContain("SUCCESS");
  });
});

