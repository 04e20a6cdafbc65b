/* The launch environment and the env-file rules (CNB-16, CNB-57). */
#include "launcher.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define ENV_FILE_MAX (1u << 20)

static size_t key_len(const char *kv) {
  const char *eq = strchr(kv, '=');
  return eq ? (size_t)(eq - kv) : strlen(kv);
}

static long find(const env_t *env, const char *key) {
  size_t n = strlen(key);
  for (size_t i = 0; i < env->len; i++)
    if (key_len(env->kv[i]) == n && memcmp(env->kv[i], key, n) == 0) return (long)i;
  return -1;
}

const char *env_get(const env_t *env, const char *key) {
  long i = find(env, key);
  return i < 0 ? NULL : env->kv[i] + strlen(key) + 1;
}

void env_set(env_t *env, const char *key, const char *value) {
  char *kv = xprintf("%s=%s", key, value);
  long i = find(env, key);
  if (i >= 0) {
    env->kv[i] = kv;
    return;
  }
  if (env->len + 1 >= env->cap) {
    env->cap = env->cap ? env->cap * 2 : 64;
    env->kv = xrealloc(env->kv, env->cap * sizeof *env->kv);
  }
  env->kv[env->len++] = kv;
  env->kv[env->len] = NULL;
}

void env_unset(env_t *env, const char *key) {
  long i = find(env, key);
  if (i < 0) return;
  memmove(&env->kv[i], &env->kv[i + 1], (env->len - (size_t)i) * sizeof *env->kv); /* moves the NULL too */
  env->len--;
}

char **env_array(env_t *env) {
  if (!env->kv) {
    env->cap = 1;
    env->kv = xmalloc(sizeof *env->kv);
    env->kv[0] = NULL;
  }
  return env->kv;
}

void env_load(env_t *env, char **environ) {
  for (char **e = environ; e && *e; e++) {
    const char *eq = strchr(*e, '=');
    if (!eq || eq == *e) continue; /* not KEY=VALUE: dropped, as the reference launcher does */
    char *key = xstrndup(*e, (size_t)(eq - *e));
    env_set(env, key, eq + 1); /* a repeated key: the last one wins */
  }
}

void env_launch_cleanup(env_t *env) {
  static const char *const removed[] = {"CNB_LAYERS_DIR", "CNB_APP_DIR", "CNB_PROCESS_TYPE",
                                        "CNB_PLATFORM_API", "CNB_DEPRECATION_MODE"};
  for (size_t i = 0; i < sizeof removed / sizeof *removed; i++) env_unset(env, removed[i]);

  /* /cnb/process is on the image's PATH so that `docker run img worker` finds the process
   * symlinks; the process itself must not see it (nor /cnb/lifecycle). */
  const char *path = env_get(env, "PATH");
  if (!path) return;
  buf_t out = {0};
  buf_add(&out, "", 0);
  bool first = true;
  for (const char *p = path;;) {
    const char *colon = strchr(p, ':');
    size_t n = colon ? (size_t)(colon - p) : strlen(p);
    bool drop = (n == 12 && memcmp(p, "/cnb/process", 12) == 0) ||
                (n == 14 && memcmp(p, "/cnb/lifecycle", 14) == 0);
    if (!drop) {
      if (!first) buf_addc(&out, ':');
      buf_add(&out, p, n);
      first = false;
    }
    if (!colon) break;
    p = colon + 1;
  }
  env_set(env, "PATH", out.data);
}

/* value + delim + current, or just value when the current value is empty or unset. */
static void prepend(env_t *env, const char *key, const char *value, const char *delim) {
  const char *cur = env_get(env, key);
  if (cur && *cur) env_set(env, key, xprintf("%s%s%s", value, delim, cur));
  else env_set(env, key, value);
}

static void append(env_t *env, const char *key, const char *value, const char *delim) {
  const char *cur = env_get(env, key);
  if (cur && *cur) env_set(env, key, xprintf("%s%s%s", cur, delim, value));
  else env_set(env, key, value);
}

void env_add_layer_root(env_t *env, const char *layer_dir) {
  static const char *const map[][2] = {{"bin", "PATH"}, {"lib", "LD_LIBRARY_PATH"}};
  for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
    char *sub = path_join(layer_dir, map[i][0]);
    struct stat st;
    if (stat(sub, &st) == 0) prepend(env, map[i][1], sub, ":");
  }
}

/* A file's contents, verbatim (no trimming). Env values cannot hold NUL bytes. */
static char *read_value(const char *path) {
  buf_t b = {0};
  int err = read_file(path, &b, ENV_FILE_MAX);
  if (err) fail(EXIT_LAUNCH, "reading env file %s: %s", path, strerror(err));
  if (memchr(b.data, '\0', b.len)) fail(EXIT_LAUNCH, "env file %s contains a NUL byte", path);
  return b.data;
}

/* The contents of <dir>/<name>.delim, or `fallback` when it cannot be read. */
static char *read_delim(const char *dir, const char *name, const char *fallback) {
  char *path = path_join(dir, xprintf("%s.delim", name));
  buf_t b = {0};
  if (read_file(path, &b, ENV_FILE_MAX) != 0) return xstrdup(fallback);
  if (memchr(b.data, '\0', b.len)) fail(EXIT_LAUNCH, "env file %s contains a NUL byte", path);
  return b.data;
}

void env_add_dir(env_t *env, const char *dir) {
  strlist_t files = {0};
  list_dir(dir, false, &files);
  for (size_t i = 0; i < files.len; i++) {
    const char *file = files.items[i];
    const char *dot = strchr(file, '.');
    char *name = dot ? xstrndup(file, (size_t)(dot - file)) : xstrdup(file);
    const char *action = dot ? dot + 1 : "override";
    if (name[0] == '\0') continue; /* hidden files (.keep, ...) name no variable */

    enum { OVERRIDE, DEFAULT, PREPEND, APPEND, PREPEND_PATH, IGNORED } op = IGNORED;
    if (strcmp(action, "override") == 0) op = OVERRIDE;
    else if (strcmp(action, "default") == 0) op = DEFAULT;
    else if (strcmp(action, "prepend") == 0) op = PREPEND;
    else if (strcmp(action, "append") == 0) op = APPEND;
    else if (action[0] == '\0') op = PREPEND_PATH; /* "NAME." : the pre-0.5 path form, kept as the reference does */
    if (op == IGNORED) continue;                   /* .delim and unknown suffixes */
    if (strchr(name, '=')) fail(EXIT_LAUNCH, "env file %s/%s: \"%s\" is not a variable name", dir, file, name);

    char *path = path_join(dir, file);
    char *value = read_value(path);
    switch (op) {
    case OVERRIDE: env_set(env, name, value); break;
    case DEFAULT: {
      const char *cur = env_get(env, name);
      if (!cur || !*cur) env_set(env, name, value);
      break;
    }
    case PREPEND: prepend(env, name, value, read_delim(dir, name, "")); break;
    case APPEND: append(env, name, value, read_delim(dir, name, "")); break;
    case PREPEND_PATH: prepend(env, name, value, read_delim(dir, name, ":")); break;
    case IGNORED: break;
    }
  }
}
