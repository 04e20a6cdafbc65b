// Safe extraction of tar archives (image layers, .deb data.tar, build caches) into a directory.
// Nothing is ever written outside it, whatever the archive says:
// - names are split into components; "", "." and a leading "/" are dropped (layer convention:
//   absolute names are relative to the target); ".." that would climb out, NULs and names over
//   PATH_MAX are refused;
// - parents are checked with lstat, one component at a time: a symbolic link on the way is
//   refused, or with parentSymlinks "inside" resolved as if the target were "/"; an existing last
//   component is removed and recreated (O_EXCL|O_NOFOLLOW), never written through;
// - hard links must name a file or symlink already inside the target (a symlink is copied, not followed);
// - devices and fifos are refused (or skipped); setuid/setgid bits are dropped unless asked;
// - entry count, declared bytes and the stream length are capped while streaming; a layer may
//   expand to at most maxRatio times its compressed size, an image's layers share one budget,
//   and free disk space is checked before and during (limits.ts);
// - every refusal is an OciError naming the entry and the rule.
export {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_ENTRIES,
  extractLayer,
  extractTar,
  type EntryDecision,
  type ExtractOptions,
  type ExtractStats,
} from "./extract.js";
export type { EntryInfo, EntryType } from "./entries.js";
export {
  checkFreeSpace,
  DEFAULT_LIMITS,
  ExtractBudget,
  type ExtractLimits,
  formatSize,
  LIMIT_ENV,
  limitsFromEnv,
  parseSize,
  RATIO_FLOOR_BYTES,
} from "./limits.js";
export { normalizeEntryName, safeJoin } from "./names.js";
export type { ParentSymlinks } from "./target.js";
