/*
 * main: select the process (CNB-55), work out its arguments (CNB-56), build the launch
 * environment (CNB-57, CNB-24) and replace this process with it (CNB-58).
 */
#include "launcher.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_LAYERS_DIR "/layers"
#define CONFIG_PATH "config/launcher.cfg"
#define METADATA_PATH "config/metadata.toml"
/* When metadata.toml is read and CNB_PLATFORM_API is unset (exporters set it in the image). */
#define DEFAULT_PLATFORM_API "0.7"
#define DEFAULT_EXEC_ENV "production"

/* What will run: a buildpack process, or a command the user gave. */
typedef struct {
  const char *type;   /* "" for a user-provided command */
  const char *origin; /* for messages: `process "web"` or `command "ls"` */
  bool direct;
  const char *working_dir; /* "" = the app dir */
  strlist_t argv;          /* direct: the argv; shell: the script then its args */
} launch_t;

static const char *getenv_nonempty(const char *key) {
  const char *v = getenv(key);
  return v && *v ? v : NULL;
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static void push_all(strlist_t *dst, const strlist_t *src) {
  for (size_t i = 0; i < src->len; i++) strlist_push(dst, src->items[i]);
}

static char *process_types(const config_t *cfg) {
  buf_t b = {0};
  buf_add(&b, "", 0);
  for (size_t i = 0; i < cfg->nprocesses; i++) {
    if (i) buf_adds(&b, ", ");
    buf_adds(&b, cfg->processes[i].type);
  }
  return cfg->nprocesses ? b.data : "(none)";
}

static bool eligible(const process_t *p, const char *exec_env) {
  if (p->exec_env.len == 0) return true;
  for (size_t i = 0; i < p->exec_env.len; i++)
    if (strcmp(p->exec_env.items[i], "*") == 0 || strcmp(p->exec_env.items[i], exec_env) == 0) return true;
  return false;
}

/* A buildpack process with the user's args (CNB-56: the encoder decided append or replace). */
static launch_t from_process(const process_t *p, char **user_args, int nuser, const char *exec_env) {
  if (!eligible(p, exec_env)) {
    buf_t allowed = {0};
    for (size_t i = 0; i < p->exec_env.len; i++) {
      if (i) buf_adds(&allowed, ", ");
      buf_adds(&allowed, p->exec_env.items[i]);
    }
    fail(EXIT_LAUNCH, "process type \"%s\" is not eligible for CNB_EXEC_ENV=%s (it runs in: %s)", p->type, exec_env,
         allowed.data);
  }
  launch_t l = {.type = p->type, .origin = xprintf("process \"%s\"", p->type), .direct = p->direct,
                .working_dir = p->working_dir};
  if (p->direct) {
    push_all(&l.argv, &p->command);
  } else { /* a shell process has one command string; joined as the reference does, to be safe */
    buf_t script = {0};
    for (size_t i = 0; i < p->command.len; i++) {
      if (i) buf_addc(&script, ' ');
      buf_adds(&script, p->command.items[i]);
    }
    strlist_push(&l.argv, script.data);
  }
  if (nuser == 0 || !p->replace_args) push_all(&l.argv, &p->args);
  for (int i = 0; i < nuser; i++) strlist_push(&l.argv, user_args[i]);
  return l;
}

static const char *find_shell(void) {
  static const char *const shells[] = {"/bin/bash", "/bin/sh"};
  for (size_t i = 0; i < sizeof shells / sizeof *shells; i++)
    if (access(shells[i], X_OK) == 0) return shells[i];
  return NULL;
}

/* CNB-55: $0 names a process type; else `launcher -- CMD ARGS` (direct) or `launcher CMD ARGS`
 * (through a shell). Extension: `launcher` with no arguments runs the default process. */
static launch_t select_process(const config_t *cfg, int argc, char **argv, const char *exec_env) {
  const char *self = argc > 0 && argv[0] ? base_name(argv[0]) : "launcher";
  char **args = argc > 1 ? argv + 1 : argv + argc;
  int nargs = argc > 1 ? argc - 1 : 0;

  const process_t *p = config_find_process(cfg, self);
  if (p) return from_process(p, args, nargs, exec_env);
  if (strcmp(self, "launcher") != 0)
    fail(EXIT_LAUNCH, "process type \"%s\" not found; available: %s", self, process_types(cfg));

  if (nargs == 0) {
    if (cfg->default_process) return from_process(config_find_process(cfg, cfg->default_process), args, 0, exec_env);
    fail(EXIT_LAUNCH, "there is no default process, so a command is required: launcher [--] CMD [ARG...]");
  }
  launch_t l = {.type = "", .working_dir = ""};
  if (strcmp(args[0], "--") == 0) {
    if (nargs < 2) fail(EXIT_LAUNCH, "no command after --: launcher -- CMD [ARG...]");
    args++, nargs--;
    l.direct = true;
  } else {
    l.direct = find_shell() == NULL; /* no shell in the image (tiny): run it directly rather than fail */
  }
  l.origin = xprintf("command \"%s\"", args[0]);
  for (int i = 0; i < nargs; i++) strlist_push(&l.argv, args[i]);
  return l;
}

/* ---- environment ------------------------------------------------------------------------ */

/* The launch layers of buildpack `b` (or of all buildpacks when b == SIZE_MAX) that exist on
 * disk, as absolute paths, in buildpack order then config order. */
static strlist_t launch_layers(const config_t *cfg, const char *layers_dir, size_t b) {
  strlist_t out = {0};
  for (size_t i = 0; i < cfg->nbuildpacks; i++) {
    if (b != SIZE_MAX && i != b) continue;
    const buildpack_t *bp = &cfg->buildpacks[i];
    for (size_t l = 0; l < bp->layers.len; l++) {
      char *dir = path_join(path_join(layers_dir, bp->dir), bp->layers.items[l]);
      if (is_dir(dir)) strlist_push(&out, dir);
    }
  }
  return out;
}

static void build_env(env_t *env, const config_t *cfg, const char *layers_dir, const char *type) {
  env_load(env, environ);
  env_launch_cleanup(env);
  /* Per buildpack: every layer's bin/ and lib/ first, then every layer's env files (as the
   * reference does), so a later buildpack's paths come first. */
  for (size_t b = 0; b < cfg->nbuildpacks; b++) {
    strlist_t layers = launch_layers(cfg, layers_dir, b);
    for (size_t l = 0; l < layers.len; l++) env_add_layer_root(env, layers.items[l]);
    for (size_t l = 0; l < layers.len; l++) {
      char *launch = path_join(layers.items[l], "env.launch");
      env_add_dir(env, path_join(layers.items[l], "env"));
      env_add_dir(env, launch);
      if (*type) env_add_dir(env, path_join(launch, type));
    }
  }
}

static void run_execd_dir(env_t *env, const char *dir) {
  strlist_t files = {0};
  list_dir(dir, false, &files);
  for (size_t i = 0; i < files.len; i++) execd_run(env, path_join(dir, files.items[i]));
}

/* ---- execution ----------------------------------------------------------------------------- */

/* PATH lookup as Go's exec.LookPath: names with a '/' are used as they are; otherwise the first
 * executable regular file in an absolute PATH entry (relative entries are skipped). */
static char *look_path(const char *name, const char *path) {
  if (strchr(name, '/')) return xstrdup(name);
  for (const char *p = path ? path : ""; *p;) {
    const char *colon = strchr(p, ':');
    size_t n = colon ? (size_t)(colon - p) : strlen(p);
    if (n > 0 && p[0] == '/') {
      char *candidate = path_join(xstrndup(p, n), name);
      struct stat st;
      if (stat(candidate, &st) == 0 && !S_ISDIR(st.st_mode) && access(candidate, X_OK) == 0) return candidate;
    }
    if (!colon) break;
    p = colon + 1;
  }
  return NULL;
}

static void exec_direct(const launch_t *l, env_t *env) {
  const char *path = env_get(env, "PATH");
  char *exe = look_path(l->argv.items[0], path);
  if (!exe) fail(EXIT_LAUNCH, "%s: \"%s\" not found on PATH=%s", l->origin, l->argv.items[0], path ? path : "");
  if (*l->working_dir && chdir(l->working_dir) != 0)
    fail(EXIT_LAUNCH, "%s: changing to working dir %s: %s", l->origin, l->working_dir, strerror(errno));
  execve(exe, l->argv.items, env_array(env));
  fail(EXIT_LAUNCH, "%s: executing %s: %s", l->origin, exe, strerror(errno));
}

/* 'it'"'"'s': a string the shell reads back unchanged. */
static void add_quoted(buf_t *b, const char *s) {
  buf_addc(b, '\'');
  for (; *s; s++) {
    if (*s == '\'') buf_adds(b, "'\"'\"'");
    else buf_addc(b, *s);
  }
  buf_addc(b, '\'');
}

static void add_profiles(buf_t *script, const char *dir) {
  strlist_t files = {0};
  list_dir(dir, false, &files);
  for (size_t i = 0; i < files.len; i++) {
    buf_adds(script, ". ");
    add_quoted(script, path_join(dir, files.items[i]));
    buf_addc(script, '\n');
  }
}

/*
 * One shell (bash if the image has it, else sh; the script is POSIX) that, in the app dir,
 * sources profile.d scripts and <app>/.profile, changes to the working dir and then:
 *  - with no args: runs the command string as a script (`exec SHELL -c "$1"`);
 *  - with args: expands each token as if it were in double quotes ($VAR, $(cmd)) without
 *    splitting it, then execs the result.
 */
static void exec_shell(const launch_t *l, env_t *env, const config_t *cfg, const char *layers_dir,
                       const char *app_dir, const char *self) {
  const char *shell = find_shell();
  if (!shell)
    fail(EXIT_LAUNCH, "%s runs through a shell (buildpack API < 0.9 with direct = false), but this image has "
                      "neither /bin/bash nor /bin/sh", l->origin);
  buf_t script = {0};
  strlist_t layers = launch_layers(cfg, layers_dir, SIZE_MAX); /* the spec's order, as for exec.d */
  for (size_t i = 0; i < layers.len; i++) add_profiles(&script, path_join(layers.items[i], "profile.d"));
  for (size_t i = 0; *l->type && i < layers.len; i++)
    add_profiles(&script, path_join(path_join(layers.items[i], "profile.d"), l->type));
  char *app_profile = path_join(app_dir, ".profile");
  struct stat st;
  if (stat(app_profile, &st) == 0 && !S_ISDIR(st.st_mode)) {
    buf_adds(&script, ". ");
    add_quoted(&script, app_profile);
    buf_addc(&script, '\n');
  }
  if (*l->working_dir) {
    buf_adds(&script, "cd -- ");
    add_quoted(&script, l->working_dir);
    buf_adds(&script, " || exit 82\n");
  }
  if (l->argv.len == 1) {
    buf_adds(&script, "exec ");
    add_quoted(&script, shell);
    buf_adds(&script, " -c \"$1\"\n");
  } else {
    buf_adds(&script,
             "__cnb_n=$#\n"
             "for __cnb_t do eval \"__cnb_t=\\\"$__cnb_t\\\"\"; set -- \"$@\" \"$__cnb_t\"; done\n"
             "shift \"$__cnb_n\"\n"
             "exec \"$@\"\n");
  }
  strlist_t argv = {0};
  strlist_push(&argv, (char *)base_name(shell));
  strlist_push(&argv, "-c");
  strlist_push(&argv, script.data);
  strlist_push(&argv, (char *)self); /* $0 of the profile scripts, as in the reference launcher */
  push_all(&argv, &l->argv);
  execve(shell, argv.items, env_array(env));
  fail(EXIT_LAUNCH, "%s: executing %s: %s", l->origin, shell, strerror(errno));
}

int main(int argc, char **argv) {
  const char *layers_env = getenv_nonempty("CNB_LAYERS_DIR");
  char *layers_dir = path_absolute(layers_env ? layers_env : DEFAULT_LAYERS_DIR);
  config_t cfg;
  char *cfg_path = path_join(layers_dir, CONFIG_PATH);
  struct stat st;
  if (lstat(cfg_path, &st) != 0 && errno == ENOENT) { /* an image from another exporter: the spec's file */
    const char *platform_api = getenv_nonempty("CNB_PLATFORM_API");
    metadata_load(path_join(layers_dir, METADATA_PATH), layers_dir, platform_api ? platform_api : DEFAULT_PLATFORM_API, &cfg);
  } else {
    config_load(cfg_path, &cfg);
  }
  const char *app_env = getenv_nonempty("CNB_APP_DIR");
  char *app_dir = path_absolute(app_env ? app_env : cfg.app_dir);
  const char *exec_env = getenv_nonempty("CNB_EXEC_ENV");
  if (!exec_env) exec_env = DEFAULT_EXEC_ENV;
  const char *requested = getenv_nonempty("CNB_PROCESS_TYPE");
  if (requested)
    warn("CNB_PROCESS_TYPE is not supported by Platform API %s and is ignored; run /cnb/process/%s instead",
         cfg.platform_api ? cfg.platform_api : "?", requested);

  launch_t l = select_process(&cfg, argc, argv, exec_env);

  if (chdir(app_dir) != 0) fail(EXIT_LAUNCH, "changing to app dir %s: %s", app_dir, strerror(errno));
  env_t env = {0};
  build_env(&env, &cfg, layers_dir, l.type);
  /* exec.d (CNB-24), in the platform spec's order: every layer's exec.d/, then every layer's
   * exec.d/<type>/ (the reference launcher interleaves them layer by layer). */
  strlist_t layers = launch_layers(&cfg, layers_dir, SIZE_MAX);
  for (size_t i = 0; i < layers.len; i++) run_execd_dir(&env, path_join(layers.items[i], "exec.d"));
  for (size_t i = 0; *l.type && i < layers.len; i++)
    run_execd_dir(&env, path_join(path_join(layers.items[i], "exec.d"), l.type));

  if (l.direct) exec_direct(&l, &env);
  exec_shell(&l, &env, &cfg, layers_dir, app_dir, argc > 0 && argv[0] ? argv[0] : "launcher");
}
