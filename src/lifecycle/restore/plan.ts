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
  const plan: RestorePlan = { layers: [], stores: [] };
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
        if (!c?.cache || c.sha !== l.sha) continue;
        plan.layers.push({ buildpackId: id, layer: name, from: "image", data: l.data, contents: c.sha });
      } else {
        plan.layers.push({ buildpackId: id, layer: name, from: "image", data: l.data });
      }
    }
    for (const name of Object.keys(cacheLayers).sort()) {
      const c = cacheLayers[name] as (typeof cacheLayers)[string];
      if (!c.cache) continue;
      if (c.launch && (name in imageLayers || !apiAtLeast(input.platformApi, "0.14"))) continue;
      plan.layers.push({ buildpackId: id, layer: name, from: "cache", data: c.data, contents: c.sha });
    }
  }
  return plan;
}
