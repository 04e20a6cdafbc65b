// image-labels: image labels from BP_IMAGE_LABELS and BP_OCI_*, returned as the build's labels.
import { defineBuildpack, fail, pass } from "../../buildpack-api/index.js";
import { hasSettings, imageLabelsFrom } from "./labels.js";

export const imageLabels = () =>
  defineBuildpack({
    detect: (ctx) =>
      hasSettings(ctx.env)
        ? pass({ provides: [{ name: "image-labels" }], requires: [{ name: "image-labels" }] })
        : fail("neither BP_IMAGE_LABELS nor any BP_OCI_* variable is set"),
    build: (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name} ${ctx.buildpack.version}`);
      const labels = imageLabelsFrom(ctx.env);
      ctx.logger.process("Image labels:");
      for (const [k, v] of Object.entries(labels)) ctx.logger.subprocess(`${k}: ${JSON.stringify(v)}`);
      return { labels };
    },
  });
