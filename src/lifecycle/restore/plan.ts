// Which layers the restorer brings back, and how (CNB-25, CNB-39). Pure: the group, the previous
// image's label and the cache's metadata in, decisions out. The table (after the reference's
// metadata restorer):
//
// | in the previous image            | in the cache (cache=true)      | restored                                  |
// |----------------------------------|--------------------------------|-------------------------------------------|
// | launch, cache=false, build=false | –                              | `<layer>.toml` from the image; no files   |
// | launch, build=true, cache=false  | –                              | nothing: the buildpack always rebuilds it |
// | launch, cache=true               | same diffID                    | toml from the image + files from the cache|
// | launch, cache=true               | missing or another diffID      | nothing                                   |
// | launch=false                     | –                              | nothing (not in the image)                |
// | –                                | cache=true, launch=false       | toml + files from the cache               |
// | –                                | cache=true, launch=true        | toml + files from the cache (Platform ≥0.14; before: nothing) |
//
// Every cache layer that stays behind is in `skipped` with its reason, which the restorer logs.
// Restored tomls carry no `[types]`: a buildpack keeps a layer only by setting its flags again.
// store.toml comes back from the image whatever `skipLayers` says.
import { apiAtLeast, type ApiVersion, type LifecycleMetadata, type Table } from "../../cnb/index.js";
import type { CacheMetadata } from "../cache/index.js";

export interface LayerRestore {
  buildpackId: string;
  layer: string;
  /** Where the `<layer>.toml` metadata comes from. */
  from: "image" | "cache";
  /** The `[metadata]` table to write. */
  data: Table;
  /** The cache layer (diffID) to extract into the layer dir; undefined: the toml alone. */
  contents?: string;
}

export interface RestorePlan {
  layers: LayerRestore[];
  /** Cache layers of the group that stay behind, and why (the restorer says so: a rebuilt layer is no mystery). */
  skipped: Array<{ buildpackId: string; layer: string; reason: string }>;
  /** store.toml `[metadata]` per buildpack (CNB-21). */
  stores: Array<{ buildpackId: string; metadata: Table }>;
}

export function planRestore(input: {
  buildpacks: ReadonlyArray<{ id: string }>;
  previous: LifecycleMetadata;
  cache: CacheMetadata;
  platformApi: ApiVersion;
  skipLayers?: boolean;
}): RestorePlan {
  const plan: RestorePlan = { layers: [], stores: [], skipped: [] };
  for (const { id } of input.buildpacks) {
    const image = input.previous.buildpacks.find((b) => b.key === id);
    if (image?.store !== undefined) plan.stores.push({ buildpackId: id, metadata: image.store });
    if (input.skipLayers) continue;
    const imageLayers = image?.layers ?? {};
    const cacheLayers = input.cache.buildpacks.find((b) => b.key === id)?.layers ?? {};
    for (const name of Object.keys(imageLayers).sort()) {
      const l = imageLayers[name] as (typeof imageLayers)[string];
      if (!l.launch || (l.build && !l.cache)) continue;
      if (l.cache) {
        const c = cacheLayers[name];
        if (!c?.cache) {
          plan.skipped.push({ buildpackId: id, layer: name, reason: "the previous image has it as cache=true, but the cache does not hold it" });
          continue;
        }
        if (c.sha !== l.sha) {
          plan.skipped.push({ buildpackId: id, layer: name, reason: `the cache holds another version of it (${c.sha}) than the previous image (${l.sha})` });
          continue;
        }
        plan.layers.push({ buildpackId: id, layer: name, from: "image", data: l.data, contents: c.sha });
      } else {
        plan.layers.push({ buildpackId: id, layer: name, from: "image", data: l.data });
      }
    }
    for (const name of Object.keys(cacheLayers).sort()) {
      const c = cacheLayers[name] as (typeof cacheLayers)[string];
      if (!c.cache) continue;
      if (c.launch && name in imageLayers) continue;
      if (c.launch && !apiAtLeast(input.platformApi, "0.14")) {
        const why = "it is launch=true and not in the previous image; before Platform API 0.14 such a layer comes back only with the image that carried it (0.14+ restores it from the cache alone)";
        plan.skipped.push({ buildpackId: id, layer: name, reason: why });
        continue;
      }
      plan.layers.push({ buildpackId: id, layer: name, from: "cache", data: c.data, contents: c.sha });
    }
  }
  return plan;
}
