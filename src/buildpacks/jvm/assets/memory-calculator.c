/* The JVM's launch helper (an exec.d program, CNB-24): sizes the JVM to the container and writes
 * JAVA_TOOL_OPTIONS to fd 3, without starting a JVM. Static C so it runs on any run image.
 *
 *   total     cgroup v2 memory.max, else v1 memory.limit_in_bytes; none (or unlimited): 1 GiB
 *   heap    = total - head room (BPL_JVM_HEAD_ROOM %) - direct memory (10 MiB)
 *             - metaspace (loaded classes x 5800 B + 14 MiB) - reserved code cache (240 MiB)
 *             - thread stacks (BPL_JVM_THREAD_COUNT x 1 MiB)
 *   loaded classes = (JVM classes + the app's .class files and classes in its JARs)
 *             x BPL_JVM_CLASS_ADJUSTMENT (35 %), or BPL_JVM_LOADED_CLASS_COUNT
 *
 * A region the user already sized in JAVA_TOOL_OPTIONS (-Xmx, -Xss, -XX:MaxMetaspaceSize,
 * -XX:MaxDirectMemorySize, -XX:ReservedCodeCacheSize) is taken as given; the user's flags come
 * last, so they win. Also -XX:ActiveProcessorCount, -XX:+ExitOnOutOfMemoryError, and the debug,
 * JMX and JFR agents (BPL_DEBUG_*, BPL_JMX_*, BPL_JFR_*), and Spring Cloud Bindings switched on where the
 * spring-boot buildpack put them (BPI_SPRING_CLOUD_BINDINGS) unless BPL_SPRING_CLOUD_BINDINGS_DISABLED.
 *
 * Inputs the buildpack sets in the layer env: BPI_JVM_CLASS_COUNT (the JVM's own classes),
 * BPI_APPLICATION_PATH (default /workspace). PAKETO_CGROUP_ROOT moves /sys/fs/cgroup (tests). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KIB ((uint64_t)1024)
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

static const char *prog = "memory-calculator";

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", prog);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* ---- growable string ---- */
typedef struct {
  char *s;
  size_t len, cap;
} str_t;

static void sadd(str_t *b, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    size_t room = b->cap - b->len;
    va_start(ap, fmt);
    int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
    va_end(ap);
    if (n < 0) die("formatting failed");
    if (b->s && (size_t)n < room) {
      b->len += (size_t)n;
      return;
    }
    b->cap = (b->cap + (size_t)n + 1) * 2;
    b->s = realloc(b->s, b->cap);
    if (!b->s) die("out of memory");
    if (b->len == 0) b->s[0] = '\0';
  }
}

/* ---- sizes: 512m, 1G, 10M, 1024k, 123 (bytes) ---- */
static int parse_size(const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s) return -1;
  uint64_t mul = 1;
  switch (*end) {
    case 'k': case 'K': mul = KIB; end++; break;
    case 'm': case 'M': mul = MIB; end++; break;
    case 'g': case 'G': mul = GIB; end++; break;
    case 't': case 'T': mul = 1024 * GIB; end++; break;
    default: break;
  }
  if (*end == 'b' || *end == 'B') end++;
  if (*end != '\0') return -1;
  *out = (uint64_t)v * mul;
  return 0;
}

/* As the JVM flags take them: whole MiB as M, else K. */
static void size_flag(str_t *b, const char *flag, uint64_t bytes) {
  if (bytes % MIB == 0) sadd(b, "%s%" PRIu64 "M", flag, bytes / MIB);
  else sadd(b, "%s%" PRIu64 "K", flag, bytes / KIB);
}

static void show(char *buf, size_t n, uint64_t bytes) {
  if (bytes % GIB == 0) snprintf(buf, n, "%" PRIu64 "G", bytes / GIB);
  else if (bytes % MIB == 0) snprintf(buf, n, "%" PRIu64 "M", bytes / MIB);
  else snprintf(buf, n, "%" PRIu64 "K", bytes / KIB);
}

/* ---- the user's JAVA_TOOL_OPTIONS: the value of a flag, last one wins ---- */
static const char *user_flag(const char *opts, const char *prefix) {
  const char *found = NULL;
  size_t pl = strlen(prefix);
  for (const char *p = opts; p && *p;) {
    while (*p == ' ' || *p == '\t') p++;
    if (strncmp(p, prefix, pl) == 0) found = p + pl;
    while (*p && *p != ' ' && *p != '\t') p++;
  }
  return found;
}

static int user_size(const char *opts, const char *prefix, uint64_t *out) {
  const char *v = user_flag(opts, prefix);
  if (!v) return 0;
  char tmp[64];
  size_t n = strcspn(v, " \t");
  if (n >= sizeof tmp) die("JAVA_TOOL_OPTIONS: %s value is too long", prefix);
  memcpy(tmp, v, n);
  tmp[n] = '\0';
  if (parse_size(tmp, out) != 0) die("JAVA_TOOL_OPTIONS: %s%s is not a size", prefix, tmp);
  return 1;
}

static const char *env_or(const char *name, const char *dflt) {
  const char *v = getenv(name);
  return v && *v ? v : dflt;
}

static uint64_t env_count(const char *name, uint64_t dflt) {
  const char *v = getenv(name);
  if (!v || !*v) return dflt;
  char *end;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  if (errno || *end || end == v) die("%s=%s is not a whole number", name, v);
  return n;
}

static uint64_t env_percent(const char *name, uint64_t dflt) {
  const char *v = getenv(name);
  if (!v || !*v) return dflt;
  char tmp[32];
  snprintf(tmp, sizeof tmp, "%s", v);
  size_t l = strlen(tmp);
  if (l && tmp[l - 1] == '%') tmp[l - 1] = '\0';
  char *end;
  errno = 0;
  unsigned long long n = strtoull(tmp, &end, 10);
  if (errno || *end || end == tmp || n > 100) die("%s=%s is not a percentage (0-100)", name, v);
  return n;
}

static int truthy(const char *name) {
  const char *v = getenv(name);
  return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0);
}

/* ---- container memory ---- */
static int read_limit(const char *path, uint64_t *out) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char line[64] = {0};
  int ok = fgets(line, sizeof line, f) != NULL;
  fclose(f);
  if (!ok) return 0;
  line[strcspn(line, "\n")] = '\0';
  if (strcmp(line, "max") == 0) return 0;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(line, &end, 10);
  if (errno || *end || end == line) return 0;
  if (v >= ((uint64_t)1 << 62)) return 0; /* v1's "unlimited" is a huge page-rounded number */
  *out = v;
  return 1;
}

static uint64_t total_memory(const char **where) {
  const char *root = env_or("PAKETO_CGROUP_ROOT", "/sys/fs/cgroup");
  char path[4096];
  uint64_t v;
  snprintf(path, sizeof path, "%s/memory.max", root);
  if (read_limit(path, &v)) return *where = "cgroup v2", v;
  snprintf(path, sizeof path, "%s/memory/memory.limit_in_bytes", root);
  if (read_limit(path, &v)) return *where = "cgroup v1", v;
  *where = "no limit: default";
  return GIB;
}

/* ---- class counting: .class files, and .class entries in JAR central directories ---- */
static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static int ends_with(const char *s, size_t n, const char *suffix) {
  size_t l = strlen(suffix);
  return n >= l && memcmp(s + n - l, suffix, l) == 0;
}

static uint64_t jar_classes(const char *path, int depth);

static uint64_t count_central(const unsigned char *cd, size_t size, const char *path, int depth) {
  uint64_t n = 0;
  (void)path;
  for (size_t off = 0; off + 46 <= size && le32(cd + off) == 0x02014b50;) {
    size_t name_len = le16(cd + off + 28), extra = le16(cd + off + 30), comment = le16(cd + off + 32);
    if (off + 46 + name_len > size) break;
    const char *name = (const char *)cd + off + 46;
    if (ends_with(name, name_len, ".class")) n++;
    (void)depth;
    off += 46 + name_len + extra + comment;
  }
  return n;
}

/* A JAR's classes from its central directory (nested JARs inside, as Spring Boot's BOOT-INF/lib,
 * are counted where the app is exploded, which is how buildpacks leave it). */
static uint64_t jar_classes(const char *path, int depth) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct stat st;
  uint64_t n = 0;
  if (fstat(fd, &st) != 0 || st.st_size < 22) goto out;
  size_t tail = st.st_size < 65557 ? (size_t)st.st_size : 65557;
  unsigned char *buf = malloc(tail);
  if (!buf) goto out;
  if (pread(fd, buf, tail, st.st_size - (off_t)tail) != (ssize_t)tail) goto freebuf;
  for (size_t i = tail - 22 + 1; i-- > 0;) {
    if (le32(buf + i) != 0x06054b50) continue;
    uint32_t cd_size = le32(buf + i + 12), cd_off = le32(buf + i + 16);
    if ((uint64_t)cd_off + cd_size > (uint64_t)st.st_size) break;
    unsigned char *cd = malloc(cd_size ? cd_size : 1);
    if (!cd) break;
    if (pread(fd, cd, cd_size, cd_off) == (ssize_t)cd_size) n = count_central(cd, cd_size, path, depth);
    free(cd);
    break;
  }
freebuf:
  free(buf);
out:
  close(fd);
  return n;
}

static uint64_t count_classes(const char *dir, int depth) {
  if (depth > 32) return 0;
  DIR *d = opendir(dir);
  if (!d) return 0;
  uint64_t n = 0;
  struct dirent *e;
  char path[4096];
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) continue;
    struct stat st;
    if (stat(path, &st) != 0) continue; /* links followed; depth bounds a loop */
    size_t l = strlen(e->d_name);
    if (S_ISDIR(st.st_mode)) n += count_classes(path, depth + 1);
    else if (S_ISREG(st.st_mode) && ends_with(e->d_name, l, ".class")) n++;
    else if (S_ISREG(st.st_mode) && (ends_with(e->d_name, l, ".jar") || ends_with(e->d_name, l, ".war"))) n += jar_classes(path, depth);
  }
  closedir(d);
  return n;
}

/* ---- output: one TOML basic string ---- */
static void toml_string(FILE *f, const char *key, const char *v) {
  fprintf(f, "%s = \"", key);
  for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p < 0x20 || *p == 0x7f) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputs("\"\n", f);
}

int main(void) {
  const char *user = env_or("JAVA_TOOL_OPTIONS", "");
  str_t flags = {0};
  sadd(&flags, "%s", "");

  const char *where;
  uint64_t total = total_memory(&where);
  uint64_t head_room_pct = env_percent("BPL_JVM_HEAD_ROOM", 0);
  uint64_t threads = env_count("BPL_JVM_THREAD_COUNT", 250);
  uint64_t loaded;
  if (getenv("BPL_JVM_LOADED_CLASS_COUNT") && *getenv("BPL_JVM_LOADED_CLASS_COUNT")) {
    loaded = env_count("BPL_JVM_LOADED_CLASS_COUNT", 0);
  } else {
    uint64_t adjustment = env_percent("BPL_JVM_CLASS_ADJUSTMENT", 35);
    uint64_t classes = env_count("BPI_JVM_CLASS_COUNT", 0) + count_classes(env_or("BPI_APPLICATION_PATH", "/workspace"), 0);
    loaded = classes * adjustment / 100;
  }

  uint64_t direct = 10 * MIB, metaspace = loaded * 5800 + 14 * MIB, code = 240 * MIB, stack = MIB, heap = 0;
  int has_direct = user_size(user, "-XX:MaxDirectMemorySize=", &direct);
  int has_meta = user_size(user, "-XX:MaxMetaspaceSize=", &metaspace);
  int has_code = user_size(user, "-XX:ReservedCodeCacheSize=", &code);
  int has_stack = user_size(user, "-Xss", &stack);
  int has_heap = user_size(user, "-Xmx", &heap);
  uint64_t head_room = total * head_room_pct / 100;
  uint64_t fixed = head_room + direct + metaspace + code + threads * stack;
  if (!has_heap) {
    if (fixed >= total) {
      char t[32], f[32];
      show(t, sizeof t, total);
      show(f, sizeof f, fixed);
      die("the container's %s of memory (%s) is not enough: the JVM's non-heap regions alone need %s "
          "(%" PRIu64 " threads, %" PRIu64 " loaded classes, %" PRIu64 "%% head room); "
          "give the container more memory or lower BPL_JVM_THREAD_COUNT",
          t, where, f, threads, loaded, head_room_pct);
    }
    heap = total - fixed;
  }

  /* What the calculator adds: only regions the user did not size. */
  str_t calc = {0};
  sadd(&calc, "%s", "");
  if (!has_direct) size_flag(&calc, " -XX:MaxDirectMemorySize=", direct);
  if (!has_heap) size_flag(&calc, " -Xmx", heap);
  if (!has_meta) size_flag(&calc, " -XX:MaxMetaspaceSize=", metaspace);
  if (!has_code) size_flag(&calc, " -XX:ReservedCodeCacheSize=", code);
  if (!has_stack) size_flag(&calc, " -Xss", stack);

  if (!user_flag(user, "-XX:ActiveProcessorCount=")) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus > 0) sadd(&flags, " -XX:ActiveProcessorCount=%ld", cpus);
  }
  sadd(&flags, "%s", calc.s);
  if (!strstr(user, "OutOfMemoryError")) sadd(&flags, " -XX:+ExitOnOutOfMemoryError");
  if (truthy("BPL_DEBUG_ENABLED")) {
    sadd(&flags, " -agentlib:jdwp=transport=dt_socket,server=y,address=*:%s,suspend=%s", env_or("BPL_DEBUG_PORT", "8000"), truthy("BPL_DEBUG_SUSPEND") ? "y" : "n");
    printf("Debugging enabled on port *:%s\n", env_or("BPL_DEBUG_PORT", "8000"));
  }
  if (truthy("BPL_JMX_ENABLED")) {
    const char *port = env_or("BPL_JMX_PORT", "5000");
    sadd(&flags, " -Djava.rmi.server.hostname=127.0.0.1 -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false"
                 " -Dcom.sun.management.jmxremote.port=%s -Dcom.sun.management.jmxremote.rmi.port=%s", port, port);
    printf("JMX enabled on port %s\n", port);
  }
  if (truthy("BPI_SPRING_CLOUD_BINDINGS") && !truthy("BPL_SPRING_CLOUD_BINDINGS_DISABLED")) sadd(&flags, " -Dorg.springframework.cloud.bindings.boot.enable=true");
  if (truthy("BPL_JFR_ENABLED")) sadd(&flags, " -XX:StartFlightRecording=%s", env_or("BPL_JFR_ARGS", "dumponexit=true,filename=/tmp/recording.jfr"));
  if (*user) sadd(&flags, " %s", user);

  char t[32];
  show(t, sizeof t, total);
  printf("Calculated JVM Memory Configuration:%s (Total Memory: %s (%s), Thread Count: %" PRIu64 ", Loaded Class Count: %" PRIu64 ", Headroom: %" PRIu64 "%%)\n",
          calc.s, t, where, threads, loaded, head_room_pct);

  fflush(stdout);
  FILE *out = fdopen(3, "w");
  if (!out) out = stdout; /* run by hand: print the TOML */
  toml_string(out, "JAVA_TOOL_OPTIONS", flags.s[0] == ' ' ? flags.s + 1 : flags.s);
  if (fclose(out) != 0) die("writing fd 3: %s", strerror(errno));
  return 0;
}
