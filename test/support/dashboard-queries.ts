/**
 * Every PromQL expression the observability stack runs, tagged with where it came from, with
 * Grafana's variables replaced by values a plain Prometheus accepts, so a test can execute
 * each one against a real Prometheus (`GET /api/v1/query?query=<expr>`).
 *
 * Sources: panel targets of grafana/dashboards/tts-edge.json, alert rules of
 * prometheus/alerts.yml, and the "trace to metrics" queries of the Tempo datasource in
 * grafana/provisioning/datasources/datasources.yaml.
 *
 * Queries over traces_spanmetrics_* / traces_service_graph_* only return data when Tempo's
 * metrics generator remote-writes into that Prometheus: they are flagged `needsTempoMetrics`
 * (and listed by tempoGeneratedQueries()) so a test against a Prometheus that only scrapes
 * tts-edge can skip them or expect an empty result.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dir, "..", "..");

export type QuerySource = "dashboard" | "alert" | "datasource";

export interface PromQLQuery {
  /** Executable PromQL: Grafana variables substituted. */
  expr: string;
  /** The expression exactly as written in the file. */
  raw: string;
  kind: QuerySource;
  /** Human-readable origin, e.g. `grafana/dashboards/tts-edge.json › Streaming › First-audio latency p95 (exemplars) › A`. */
  source: string;
  /** True when the query reads metrics that only Tempo's metrics generator produces. */
  needsTempoMetrics: boolean;
}

/** Values used for Grafana's built-in and dashboard variables. */
export const GRAFANA_VARIABLE_VALUES: Readonly<Record<string, string>> = {
  __rate_interval: "1m",
  __interval: "15s",
  __range: "1h",
  __range_s: "3600",
  instance: ".*",
  route: ".*",
  request_id: "",
  trace_id: "",
  // Tempo datasource "trace to metrics": $__tags expands to the span's mapped tags (http.route -> route).
  __tags: 'route="/v1/audio/speech"',
};

/**
 * Substitutes Grafana variables: `$$` (provisioning-file escape for `$`), `${name}`,
 * `${name:format}`, `[[name]]` and `$name`. Unknown variables are left untouched so a test
 * notices them.
 */
export function substituteGrafanaVariables(
  text: string,
  values: Readonly<Record<string, string>> = GRAFANA_VARIABLE_VALUES,
): string {
  const lookup = (name: string, whole: string) => (name in values ? values[name]! : whole);
  return text
    .replaceAll("$$", "$")
    .replace(/\$\{([A-Za-z0-9_.]+)(?::[A-Za-z]+)?\}/g, (whole, name: string) => lookup(name, whole))
    .replace(/\[\[([A-Za-z0-9_]+)\]\]/g, (whole, name: string) => lookup(name, whole))
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name: string) => lookup(name, whole));
}

const TEMPO_METRIC = /\btraces_(spanmetrics|service_graph)_[a-z_]+/;

export function needsTempoMetrics(expr: string): boolean {
  return TEMPO_METRIC.test(expr);
}

function query(raw: string, kind: QuerySource, source: string): PromQLQuery {
  const expr = substituteGrafanaVariables(raw).trim();
  return { raw, expr, kind, source, needsTempoMetrics: needsTempoMetrics(expr) };
}

interface DashboardPanel {
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string } | null;
  targets?: Array<{ refId?: string; expr?: string; datasource?: { type?: string; uid?: string } | null }>;
  panels?: DashboardPanel[];
}

/** PromQL of every Prometheus panel target, in dashboard order, with its row title. */
export function dashboardPromQL(root = repoRoot): PromQLQuery[] {
  const file = "grafana/dashboards/tts-edge.json";
  const dashboard = JSON.parse(readFileSync(join(root, file), "utf8")) as { panels?: DashboardPanel[] };
  const out: PromQLQuery[] = [];
  let row = "";
  const visit = (panels: DashboardPanel[]) => {
    for (const panel of panels) {
      if (panel.type === "row") {
        row = panel.title ?? "";
        visit(panel.panels ?? []);
        continue;
      }
      for (const target of panel.targets ?? []) {
        const ds = target.datasource ?? panel.datasource;
        if (ds?.type !== "prometheus" || typeof target.expr !== "string") continue;
        out.push(query(target.expr, "dashboard", `${file} › ${row} › ${panel.title} › ${target.refId ?? "?"}`));
      }
    }
  };
  visit(dashboard.panels ?? []);
  return out;
}

/** The `expr` of every alerting and recording rule. */
export function alertPromQL(root = repoRoot): PromQLQuery[] {
  const file = "prometheus/alerts.yml";
  const doc = Bun.YAML.parse(readFileSync(join(root, file), "utf8")) as {
    groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }>;
  };
  return doc.groups.flatMap((group) =>
    group.rules.map((rule) => query(String(rule.expr), "alert", `${file} › ${group.name} › ${rule.alert ?? rule.record}`)),
  );
}

/** The Tempo datasource's tracesToMetrics queries (they run when a user clicks a span). */
export function datasourcePromQL(root = repoRoot): PromQLQuery[] {
  const file = "grafana/provisioning/datasources/datasources.yaml";
  const doc = Bun.YAML.parse(readFileSync(join(root, file), "utf8")) as {
    datasources: Array<{ name: string; jsonData?: { tracesToMetrics?: { queries?: Array<{ name: string; query: string }> } } }>;
  };
  return doc.datasources.flatMap((ds) =>
    (ds.jsonData?.tracesToMetrics?.queries ?? []).map((q) =>
      query(q.query, "datasource", `${file} › ${ds.name} › tracesToMetrics › ${q.name}`),
    ),
  );
}

/** Every PromQL expression from the dashboard, the alert rules and the datasource links. */
export function allPromQLQueries(root = repoRoot): PromQLQuery[] {
  return [...dashboardPromQL(root), ...alertPromQL(root), ...datasourcePromQL(root)];
}

/** Queries that work against a Prometheus that scrapes tts-edge (no Tempo needed). */
export function ttsEdgeQueries(root = repoRoot): PromQLQuery[] {
  return allPromQLQueries(root).filter((q) => !q.needsTempoMetrics);
}

/** Queries that only return data when Tempo's metrics generator writes into Prometheus. */
export function tempoGeneratedQueries(root = repoRoot): PromQLQuery[] {
  return allPromQLQueries(root).filter((q) => q.needsTempoMetrics);
}
