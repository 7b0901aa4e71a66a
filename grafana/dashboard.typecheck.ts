/**
 * Type-checks grafana/dashboards/tts-edge.json against @grafana/schema's Dashboard type
 * (@grafana/schema 13.2.3; compose.yaml runs Grafana 13.2.0). Run by `tsc --noEmit` (see tsconfig "include").
 *
 * A JSON import widens every string to `string`, so the schema's literal unions and string
 * enums (panel `type: "row"`, color modes, ...) could never match. `Widen` relaxes exactly
 * those to their base type and keeps everything else: property names, nesting, required
 * fields, and string/number/boolean kinds. `Exact` additionally rejects keys the schema does
 * not know (a typo like "gridpos" or "fieldconfig") wherever the schema type is closed.
 * Enum values are checked at run time by test/observability-config.test.ts.
 */
import type { Dashboard } from "@grafana/schema";
import dashboard from "./dashboards/tts-edge.json" with { type: "json" };

type IsAny<T> = 0 extends 1 & T ? true : false;

type Widen<T> =
  IsAny<T> extends true ? T
  : T extends string ? string
  : T extends number ? number
  : T extends boolean ? boolean
  : T extends readonly (infer U)[] ? Widen<U>[]
  : T extends object ? { [K in keyof T]: Widen<T[K]> }
  : T;

/** Keys of every member of a union. */
type AllKeys<T> = T extends unknown ? keyof T : never;
/** The type of key K in whichever union members declare it. */
type ValueAt<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? NonNullable<T[K]> : never) : never;

type Exact<A, S> =
  IsAny<S> extends true ? A
  : unknown extends S ? A
  : A extends readonly (infer E)[]
    ? NonNullable<S> extends readonly (infer SE)[] ? Exact<E, SE>[] : A
  : A extends object
    ? string extends AllKeys<NonNullable<S>> ? A
      : { [K in keyof A]: K extends AllKeys<NonNullable<S>> ? Exact<A[K], ValueAt<NonNullable<S>, K>> : never }
  : A;

export const widened: Widen<Dashboard> = dashboard;
export const exact: Exact<typeof dashboard, Dashboard> = dashboard;
