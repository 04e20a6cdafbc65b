/*
 * Reads <layers>/config/launcher.cfg: NUL-terminated tokens, written by paketo's exporter
 * (src/launcher/codec.ts is the encoder and the normative description of the format).
 *
 *   "paketo-launcher" "1"
 *   "platform-api" API
 *   "app-dir" PATH
 *   { "buildpack" DIR { "layer" NAME } }
 *   { "process" TYPE BUILDPACK-ID ("direct"|"shell") ("append"|"replace") WORKING-DIR
 *       N COMMAND*N  M ARG*M  K EXEC-ENV*K }
 *   [ "default" TYPE ]
 *   "end"
 *
 * Every version-gated decision has already been made by the encoder; the launcher only obeys.
 */
#include "launcher.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX (16u << 20)
#define FORMAT_MAGIC "paketo-launcher"
#define FORMAT_VERSION "1"

typedef struct {
  const char *path;
  char *pos, *end;
} reader_t;

static _Noreturn void bad(const reader_t *r, const char *what) {
  fail(EXIT_CONFIG, "reading %s: %s", r->path, what);
}

static char *next(reader_t *r, const char *what) {
  if (r->pos >= r->end) bad(r, xprintf("truncated: expected %s", what));
  char *tok = r->pos;
  r->pos += strlen(tok) + 1; /* the file ends with a NUL, checked on load */
  return tok;
}

static size_t next_count(reader_t *r, const char *what) {
  char *tok = next(r, what);
  if (tok[0] == '\0' || strlen(tok) > 6 || strspn(tok, "0123456789") != strlen(tok))
    bad(r, xprintf("%s is not a count: \"%s\"", what, tok));
  return (size_t)strtoul(tok, NULL, 10);
}

static void next_list(reader_t *r, const char *what, strlist_t *out) {
  size_t n = next_count(r, what);
  for (size_t i = 0; i < n; i++) strlist_push(out, next(r, what));
}

/* A single path element: not empty, no '/', not "." or "..". */
static char *next_name(reader_t *r, const char *what) {
  char *tok = next(r, what);
  if (tok[0] == '\0' || strchr(tok, '/') || strcmp(tok, ".") == 0 || strcmp(tok, "..") == 0)
    bad(r, xprintf("%s \"%s\" is not a single path element", what, tok));
  return tok;
}

static char *next_choice(reader_t *r, const char *what, const char *a, const char *b) {
  char *tok = next(r, what);
  if (strcmp(tok, a) != 0 && strcmp(tok, b) != 0)
    bad(r, xprintf("%s must be \"%s\" or \"%s\", not \"%s\"", what, a, b, tok));
  return tok;
}

static void read_process(reader_t *r, config_t *cfg) {
  cfg->processes = xrealloc(cfg->processes, (cfg->nprocesses + 1) * sizeof *cfg->processes);
  process_t *p = &cfg->processes[cfg->nprocesses];
  memset(p, 0, sizeof *p);
  p->type = next_name(r, "process type");
  if (config_find_process(cfg, p->type)) bad(r, xprintf("process type \"%s\" appears twice", p->type));
  cfg->nprocesses++;
  p->buildpack_id = next(r, "process buildpack id");
  p->direct = strcmp(next_choice(r, "process exec mode", "direct", "shell"), "direct") == 0;
  p->replace_args = strcmp(next_choice(r, "process user-args mode", "append", "replace"), "replace") == 0;
  p->working_dir = next(r, "process working dir");
  next_list(r, "process command", &p->command);
  next_list(r, "process args", &p->args);
  next_list(r, "process exec-env", &p->exec_env);
  if (p->command.len == 0 || p->command.items[0][0] == '\0')
    bad(r, xprintf("process \"%s\" has no command", p->type));
}

void config_load(const char *path, config_t *cfg) {
  static buf_t data; /* kept for the life of the process: the config points into it */
  int err = read_file(path, &data, CONFIG_MAX);
  if (err) fail(EXIT_CONFIG, "reading %s: %s", path, strerror(err));
  reader_t r = {.path = path, .pos = data.data, .end = data.data + data.len};
  if (data.len == 0 || data.data[data.len - 1] != '\0') bad(&r, "not a launcher config (no final NUL)");

  memset(cfg, 0, sizeof *cfg);
  if (strcmp(next(&r, "format name"), FORMAT_MAGIC) != 0) bad(&r, "not a launcher config");
  char *version = next(&r, "format version");
  if (strcmp(version, FORMAT_VERSION) != 0)
    bad(&r, xprintf("format version %s is not supported (this launcher reads %s)", version, FORMAT_VERSION));

  for (;;) {
    char *kind = next(&r, "a record or \"end\"");
    if (strcmp(kind, "end") == 0) break;
    if (strcmp(kind, "platform-api") == 0) {
      cfg->platform_api = next(&r, "platform API");
    } else if (strcmp(kind, "app-dir") == 0) {
      cfg->app_dir = next(&r, "app dir");
    } else if (strcmp(kind, "buildpack") == 0) {
      cfg->buildpacks = xrealloc(cfg->buildpacks, (cfg->nbuildpacks + 1) * sizeof *cfg->buildpacks);
      buildpack_t *bp = &cfg->buildpacks[cfg->nbuildpacks++];
      memset(bp, 0, sizeof *bp);
      bp->dir = next_name(&r, "buildpack dir");
    } else if (strcmp(kind, "layer") == 0) {
      if (cfg->nbuildpacks == 0) bad(&r, "a layer record before any buildpack record");
      strlist_push(&cfg->buildpacks[cfg->nbuildpacks - 1].layers, next_name(&r, "layer name"));
    } else if (strcmp(kind, "process") == 0) {
      read_process(&r, cfg);
    } else if (strcmp(kind, "default") == 0) {
      cfg->default_process = next(&r, "default process type");
    } else {
      bad(&r, xprintf("unknown record \"%s\"", kind));
    }
  }
  if (r.pos != r.end) bad(&r, "data after \"end\"");
  if (!cfg->app_dir || cfg->app_dir[0] == '\0') bad(&r, "no app dir");
  if (cfg->default_process && !config_find_process(cfg, cfg->default_process))
    bad(&r, xprintf("default process \"%s\" is not a process", cfg->default_process));
}

process_t *config_find_process(const config_t *cfg, const char *type) {
  for (size_t i = 0; i < cfg->nprocesses; i++)
    if (strcmp(cfg->processes[i].type, type) == 0) return &cfg->processes[i];
  return NULL;
}
