/*
 * The CNB launcher: the ENTRYPOINT of every image paketo exports (/cnb/lifecycle/launcher and
 * the /cnb/process/<type> symlinks to it). It reads <layers>/config/launcher.cfg (or, when that is
 * absent, the standard metadata.toml), applies the launch layers' environment, runs exec.d, and execs the selected process.
 *
 * A small static C program, because run images (paketo's `tiny`) have no shell and no Node.js.
 * Design and config format: src/launcher/README.md. Build (one command, any C11 compiler):
 *   cc -std=c11 -static -Os -s -Wall -Wextra -Werror -o launcher \
 *     config.c env.c execd.c launcher.c metadata.c toml.c util.c
 */
#ifndef PAKETO_LAUNCHER_H
#define PAKETO_LAUNCHER_H

#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>

/* Exit codes, as the reference lifecycle uses them. */
enum {
  EXIT_CONFIG = 1,  /* the launcher config is missing or malformed ("failed to read metadata") */
  EXIT_LAUNCH = 82, /* any other launch failure (platform/launch/exit.go: LaunchError) */
};

/* ---- util.c ---------------------------------------------------------------------------- */

/* Prints "launcher: <message>" to stderr and exits with `code`. */
_Noreturn void fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "launcher: warning: <message>" to stderr. */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A newly allocated string, like asprintf. */
char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *path_join(const char *dir, const char *name);
/* Makes a path absolute against the current directory, without resolving symlinks. */
char *path_absolute(const char *path);

/* A growable byte buffer; data is always NUL-terminated. */
typedef struct {
  char *data;
  size_t len, cap;
} buf_t;
void buf_add(buf_t *b, const char *s, size_t n);
void buf_adds(buf_t *b, const char *s);
void buf_addc(buf_t *b, char c);

/* A growable array of strings. */
typedef struct {
  char **items;
  size_t len, cap;
} strlist_t;
void strlist_push(strlist_t *l, char *s);

/* Reads a whole file (at most `max` bytes). Returns 0, or an errno value (EFBIG if too large). */
int read_file(const char *path, buf_t *out, size_t max);

/* Names in `dir` (sorted bytewise, "." and ".." left out) whose type, following symlinks, is a
 * directory (want_dirs) or anything else. A missing `dir` gives an empty list; other failures,
 * including a broken symlink, are fatal (EXIT_LAUNCH). */
void list_dir(const char *dir, bool want_dirs, strlist_t *out);
bool is_dir(const char *path);

/* ---- config.c -------------------------------------------------------------------------- */

typedef struct {
  char *type;
  char *buildpack_id;
  bool direct;        /* exec command[0] directly; else run through a shell (bp API < 0.9) */
  bool replace_args;  /* user args replace `args`; else they are appended */
  char *working_dir;  /* "" means the app dir; relative paths are relative to it */
  strlist_t command;  /* always passed; command[0] is the executable (or, for a shell process, the script) */
  strlist_t args;     /* default args, overridable by user args */
  strlist_t exec_env; /* execution environments the process is eligible for; empty = all */
} process_t;

typedef struct {
  char *dir;         /* the buildpack's directory name under <layers> (its escaped id) */
  strlist_t layers;  /* its launch layers, in the order their env is applied */
} buildpack_t;

typedef struct {
  char *platform_api;
  char *app_dir;
  char *default_process; /* NULL when there is none */
  buildpack_t *buildpacks;
  size_t nbuildpacks;
  process_t *processes;
  size_t nprocesses;
} config_t;

/* Reads and validates the config; any problem is fatal (EXIT_CONFIG). */
void config_load(const char *path, config_t *cfg);
process_t *config_find_process(const config_t *cfg, const char *type);

/* ---- env.c ----------------------------------------------------------------------------- */

/* The launch environment: "KEY=VALUE" strings, no duplicates. */
typedef struct {
  char **kv;
  size_t len, cap;
} env_t;

void env_load(env_t *env, char **environ);
/* The value of key, or NULL when unset. */
const char *env_get(const env_t *env, const char *key);
void env_set(env_t *env, const char *key, const char *value);
void env_unset(env_t *env, const char *key);
/* A NULL-terminated array for execve (valid until the next change). */
char **env_array(env_t *env);

/* Removes what the launcher's own environment must not pass on (CNB-57). */
void env_launch_cleanup(env_t *env);
/* <layer>/bin -> PATH, <layer>/lib -> LD_LIBRARY_PATH (prepended, ':'-joined) when present. */
void env_add_layer_root(env_t *env, const char *layer_dir);
/* Applies the env files of one directory (CNB-16). A missing directory is no change. */
void env_add_dir(env_t *env, const char *dir);

/* ---- execd.c / toml.c ------------------------------------------------------------------ */

/* Runs one exec.d executable with fd 3 as a pipe and applies its output (CNB-24). */
void execd_run(env_t *env, const char *path);

/* Parses exec.d output: `KEY = "value"` pairs (TOML basic/literal, single/multi-line strings,
 * comments). Returns NULL and fills keys/values, or a newly allocated error message. */
char *execd_toml_parse(const char *s, size_t n, strlist_t *keys, strlist_t *values);

/* A value of a TOML document, as far as metadata.toml needs one. */
typedef enum { TOML_OTHER, TOML_STRING, TOML_BOOL, TOML_ARRAY /* of strings only */ } toml_kind_t;
typedef struct {
  char *key;
  toml_kind_t kind;
  char *str;
  bool boolean;
  strlist_t items;
} toml_value_t;
/* One [[name]] entry and its own key/value pairs (sub-tables are parsed and left out). */
typedef struct {
  char *name;
  toml_value_t *pairs;
  size_t npairs;
} toml_table_t;

/* Parses a whole TOML document and returns its arrays of tables, in document order. Returns
 * NULL, or a newly allocated error message with the line number. */
char *toml_tables_parse(const char *s, size_t n, toml_table_t **out, size_t *nout);
/* The value of `key` in one table, or NULL. */
const toml_value_t *toml_get(const toml_table_t *t, const char *key);

/* ---- metadata.c ------------------------------------------------------------------------ */

/* Reads the platform spec's <layers>/config/metadata.toml (the reference exporter's output) into
 * the same config launcher.cfg gives, making the version-gated decisions src/launcher/plan.ts
 * makes for launcher.cfg. Launch layers are every directory under <layers>/<buildpack>. Any
 * problem is fatal (EXIT_CONFIG). */
void metadata_load(const char *path, const char *layers_dir, const char *platform_api, config_t *cfg);

#endif
