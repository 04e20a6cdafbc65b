/* exec.d (CNB-24): run an executable with fd 3 as the write end of a pipe, read the TOML it
 * writes there, and set each variable in the launch environment. */
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXECD_OUTPUT_MAX (1u << 20)

static _Noreturn void child(int wfd, const char *path, char **envp) {
  /* The write end becomes fd 3. dup2 clears close-on-exec on the copy; when the pipe already
   * is fd 3, dup2 would do nothing, so the flag is cleared by hand. */
  if (wfd == 3) {
    if (fcntl(3, F_SETFD, 0) != 0) _exit(127);
  } else if (dup2(wfd, 3) != 3) {
    _exit(127);
  }
  char *argv[] = {(char *)path, NULL};
  execve(path, argv, envp);
  warn("running exec.d file %s: %s", path, strerror(errno));
  _exit(127);
}

void execd_run(env_t *env, const char *path) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) fail(EXIT_LAUNCH, "exec.d: creating a pipe: %s", strerror(errno));
  pid_t pid = fork();
  if (pid < 0) fail(EXIT_LAUNCH, "exec.d: fork: %s", strerror(errno));
  if (pid == 0) child(fds[1], path, env_array(env));
  close(fds[1]);

  buf_t out = {0};
  buf_add(&out, "", 0);
  bool too_big = false;
  char chunk[8192];
  for (;;) {
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(EXIT_LAUNCH, "exec.d: reading the output of %s: %s", path, strerror(errno));
    if (n == 0) break;
    if (out.len + (size_t)n > EXECD_OUTPUT_MAX) too_big = true;
    else buf_add(&out, chunk, (size_t)n);
  }
  close(fds[0]);

  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) fail(EXIT_LAUNCH, "exec.d: waiting for %s: %s", path, strerror(errno));
  if (WIFSIGNALED(status))
    fail(EXIT_LAUNCH, "exec.d file %s was killed by signal %d (%s)", path, WTERMSIG(status), strsignal(WTERMSIG(status)));
  if (WEXITSTATUS(status) != 0)
    fail(EXIT_LAUNCH, "exec.d file %s failed with exit status %d", path, WEXITSTATUS(status));
  if (too_big) fail(EXIT_LAUNCH, "exec.d file %s wrote more than %u bytes to fd 3", path, EXECD_OUTPUT_MAX);

  strlist_t keys = {0}, values = {0};
  char *err = execd_toml_parse(out.data, out.len, &keys, &values);
  if (err) fail(EXIT_LAUNCH, "exec.d file %s wrote invalid TOML to fd 3: %s", path, err);
  for (size_t i = 0; i < keys.len; i++) env_set(env, keys.items[i], values.items[i]);
}
