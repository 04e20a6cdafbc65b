/*
 * Reads <layers>/config/metadata.toml, the platform spec's launch metadata, for images whose
 * exporter wrote no launcher.cfg (the reference lifecycle). The version rules are the ones
 * src/launcher/plan.ts applies when it encodes launcher.cfg:
 *   bp < 0.8   working-dir is ignored
 *   bp < 0.9   the command is one string; `direct = false` runs it through a shell; user args append
 *   bp >= 0.9  processes are direct; user args replace `args`
 *   platform < 0.10  command[1:] are overridable args (the reference folds them in when writing)
 *   platform >= 0.10 with a multi-element command: all of it is always passed; user args replace
 *   platform < 0.15  exec-env is ignored
 * A process whose buildpack is not listed is taken as it says: `direct` decides both.
 */
#include "launcher.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define METADATA_MAX (16u << 20)

/* "MAJOR.MINOR" >= major.minor; anything unparsable is treated as the newest API. */
static bool api_at_least(const char *v, long major, long minor) {
  char *end;
  long ma = strtol(v, &end, 10);
  if (end == v || *end != '.') return true;
  long mi = strtol(end + 1, NULL, 10);
  return ma > major || (ma == major && mi >= minor);
}

static _Noreturn void bad(const char *path, const char *what) { fail(EXIT_CONFIG, "reading %s: %s", path, what); }

static const char *get_string(const char *path, const toml_table_t *t, const char *key, const char *what) {
  const toml_value_t *v = toml_get(t, key);
  if (!v) return NULL;
  if (v->kind != TOML_STRING) bad(path, xprintf("%s: %s must be a string", what, key));
  return v->str;
}

static void get_strings(const char *path, const toml_table_t *t, const char *key, const char *what, strlist_t *out) {
  const toml_value_t *v = toml_get(t, key);
  if (!v) return;
  if (v->kind == TOML_STRING) {
    strlist_push(out, v->str);
    return;
  }
  if (v->kind != TOML_ARRAY) bad(path, xprintf("%s: %s must be a string or an array of strings", what, key));
  for (size_t i = 0; i < v->items.len; i++) strlist_push(out, v->items.items[i]);
}

static void push_list(strlist_t *dst, const strlist_t *src, size_t from) {
  for (size_t i = from; i < src->len; i++) strlist_push(dst, src->items[i]);
}

static bool single_element(const char *s) {
  return s[0] != '\0' && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

void metadata_load(const char *path, const char *layers_dir, const char *platform_api, config_t *cfg) {
  static buf_t data; /* the config points into what the parser allocated; kept for the process's life */
  int err = read_file(path, &data, METADATA_MAX);
  if (err == ENOENT) fail(EXIT_CONFIG, "reading %s: there is neither config/launcher.cfg nor config/metadata.toml in %s", path, layers_dir);
  if (err) fail(EXIT_CONFIG, "reading %s: %s", path, strerror(err));
  toml_table_t *tables;
  size_t ntables;
  char *perr = toml_tables_parse(data.data, data.len, &tables, &ntables);
  if (perr) bad(path, perr);

  memset(cfg, 0, sizeof *cfg);
  cfg->platform_api = xstrdup(platform_api);
  cfg->app_dir = "/workspace";
  bool platform_010 = api_at_least(platform_api, 0, 10), platform_015 = api_at_least(platform_api, 0, 15);

  strlist_t bp_ids = {0}, bp_apis = {0};
  for (size_t i = 0; i < ntables; i++) {
    const toml_table_t *t = &tables[i];
    if (strcmp(t->name, "buildpacks") != 0) continue;
    const char *id = get_string(path, t, "id", "a buildpack");
    if (!id || !*id) bad(path, "a buildpack has no id");
    const char *api = get_string(path, t, "api", id);
    char *dir = xstrdup(id);
    for (char *c = dir; *c; c++)
      if (*c == '/') *c = '_';
    if (!single_element(dir)) bad(path, xprintf("buildpack id \"%s\" cannot be used as a file name", id));
    strlist_push(&bp_ids, (char *)id);
    strlist_push(&bp_apis, (char *)(api ? api : ""));
    cfg->buildpacks = xrealloc(cfg->buildpacks, (cfg->nbuildpacks + 1) * sizeof *cfg->buildpacks);
    buildpack_t *bp = &cfg->buildpacks[cfg->nbuildpacks++];
    memset(bp, 0, sizeof *bp);
    bp->dir = dir;
    list_dir(path_join(layers_dir, dir), true, &bp->layers);
  }

  for (size_t i = 0; i < ntables; i++) {
    const toml_table_t *t = &tables[i];
    if (strcmp(t->name, "processes") != 0) continue;
    const char *type = get_string(path, t, "type", "a process");
    if (!type || !single_element(type)) bad(path, xprintf("process type \"%s\" cannot be used as a file name", type ? type : ""));
    if (config_find_process(cfg, type)) bad(path, xprintf("process type \"%s\" appears twice", type));
    const char *what = xprintf("process \"%s\"", type);
    cfg->processes = xrealloc(cfg->processes, (cfg->nprocesses + 1) * sizeof *cfg->processes);
    process_t *p = &cfg->processes[cfg->nprocesses++];
    memset(p, 0, sizeof *p);
    p->type = (char *)type;
    const char *bp_id = get_string(path, t, "buildpack-id", what);
    p->buildpack_id = (char *)(bp_id ? bp_id : "");
    const toml_value_t *direct_v = toml_get(t, "direct");
    if (direct_v && direct_v->kind != TOML_BOOL) bad(path, xprintf("%s: direct must be true or false", what));
    bool direct = direct_v && direct_v->boolean;
    const char *bp_api = NULL;
    for (size_t j = 0; j < bp_ids.len; j++)
      if (strcmp(bp_ids.items[j], p->buildpack_id) == 0) bp_api = bp_apis.items[j];
    bool bp_09 = bp_api && *bp_api ? api_at_least(bp_api, 0, 9) : direct;
    bool bp_08 = bp_api && *bp_api ? api_at_least(bp_api, 0, 8) : true;

    strlist_t command = {0}, args = {0};
    get_strings(path, t, "command", what, &command);
    get_strings(path, t, "args", what, &args);
    if (command.len == 0 || command.items[0][0] == '\0') bad(path, xprintf("%s has no command", what));
    p->direct = bp_09 || direct;
    if (platform_010 && command.len > 1) {
      push_list(&p->command, &command, 0);
      push_list(&p->args, &args, 0);
      p->replace_args = true;
    } else if (!platform_010) {
      strlist_push(&p->command, command.items[0]);
      push_list(&p->args, &command, 1);
      push_list(&p->args, &args, 0);
      p->replace_args = false;
    } else {
      push_list(&p->command, &command, 0);
      push_list(&p->args, &args, 0);
      p->replace_args = bp_09;
    }
    const char *wd = get_string(path, t, "working-dir", what);
    p->working_dir = (char *)(bp_08 && wd ? wd : "");
    if (platform_015) get_strings(path, t, "exec-env", what, &p->exec_env);

    const toml_value_t *def = toml_get(t, "default");
    if (def && def->kind == TOML_BOOL && def->boolean) cfg->default_process = p->type;
  }
}
