// Orders: `[[order]]` / `[[order.group]]` in buildpack.toml (composites, CNB-5) and order.toml
// (CNB-34), plus system.toml (CNB-62).
import { type BuildpackId, type BuildpackVersion, parseBuildpackId, parseBuildpackVersion, parseExecEnvName } from "./ids.js";
import { type Fields, readToml, strip, type Table, writeToml } from "./fields.js";

/** A buildpack reference in an order group. */
export interface OrderEntry {
  id: BuildpackId;
  version: BuildpackVersion;
  /** Default false. A failing optional entry is dropped from the group (CNB-35). */
  optional: boolean;
  /** Buildpack API 0.12 composites: the execution environments this entry applies to (CNB-26). */
  execEnv?: string[];
}

/** One alternative group; detection tries them in order (CNB-34). */
export interface OrderGroup {
  group: OrderEntry[];
}

export type Order = OrderGroup[];

function readOrderEntry(e: Fields): OrderEntry {
  const execEnv = e.optStrs("exec-env")?.map((s, i) => parseExecEnvName(s, e.where(`exec-env[${i}]`)));
  return strip({
    id: e.parsed("id", parseBuildpackId),
    version: e.parsed("version", parseBuildpackVersion),
    optional: e.bool("optional"),
    execEnv,
  });
}

function orderEntryToToml(e: OrderEntry): Table {
  return { id: e.id, version: e.version, optional: e.optional ? true : undefined, "exec-env": e.execEnv };
}

/** Reads `[[key]]` → `[[key.group]]`. */
export function readOrder(f: Fields, key = "order"): Order {
  return f.tables(key).map((g) => ({ group: g.tables("group").map(readOrderEntry) }));
}

export function orderToToml(order: Order): Table[] {
  return order.map((g) => ({ group: g.group.map(orderEntryToToml) }));
}

/**
 * order.toml. Written by the platform (pack puts the builder's order at `/cnb/order.toml`; a
 * platform may write `<layers>/order.toml`). Read by the detector (`CNB_ORDER_PATH`).
 */
export interface OrderFile {
  order: Order;
  /**
   * `[[order-extensions]]`: image extensions, always optional (CNB-34). paketo does not run
   * extensions (CNB-73); they are kept so the caller can say they are ignored.
   */
  orderExtensions: Order;
}

export function parseOrderToml(text: string, where = "order.toml"): OrderFile {
  const f = readToml(text, where);
  return { order: readOrder(f, "order"), orderExtensions: readOrder(f, "order-extensions") };
}

export function stringifyOrderToml(o: OrderFile): string {
  return writeToml({
    order: orderToToml(o.order),
    "order-extensions": o.orderExtensions.length === 0 ? undefined : orderToToml(o.orderExtensions),
  });
}

/**
 * system.toml (Platform API 0.15). Written by the platform or builder at `/cnb/system.toml`; read by
 * the detector, which puts `pre` at the start and `post` at the end of every group unless an
 * entry with the same id is already there (CNB-34).
 */
export interface SystemFile {
  pre: OrderEntry[];
  post: OrderEntry[];
}

export function parseSystemToml(text: string, where = "system.toml"): SystemFile {
  const system = readToml(text, where).sub("system");
  return {
    pre: system?.sub("pre")?.tables("buildpacks").map(readOrderEntry) ?? [],
    post: system?.sub("post")?.tables("buildpacks").map(readOrderEntry) ?? [],
  };
}

export function stringifySystemToml(s: SystemFile): string {
  return writeToml({
    system: {
      pre: { buildpacks: s.pre.map(orderEntryToToml) },
      post: { buildpacks: s.post.map(orderEntryToToml) },
    },
  });
}
