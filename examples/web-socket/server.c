/* A minimal socket-activated HTTP server: it serves every connection on the listening socket
 * systemd passes as file descriptor 3 (sd_listen_fds(3) protocol) with a short text answer
 * that shows what the container saw: the LISTEN_* variables and its network interfaces. No libsystemd needed; builds with `cc -static`. */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stopping = 0;

static void on_term(int signal_number) {
  (void)signal_number;
  stopping = 1;
}

int main(void) {
  const char *fds = getenv("LISTEN_FDS");
  const char *pid = getenv("LISTEN_PID");
  if (fds == NULL || pid == NULL || atoi(fds) < 1 || atoi(pid) != (int)getpid()) {
    fprintf(stderr, "server: no socket from systemd (LISTEN_FDS=%s LISTEN_PID=%s, pid %d)\n",
            fds ? fds : "unset", pid ? pid : "unset", (int)getpid());
    return 1;
  }
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_term;
  sigaction(SIGTERM, &action, NULL);
  signal(SIGPIPE, SIG_IGN);

  const char *greeting = getenv("GREETING");
  /* The network interfaces the container sees: with Private=yes only "lo". */
  char interfaces[256] = "";
  struct if_nameindex *names = if_nameindex();
  for (struct if_nameindex *name = names; name != NULL && name->if_name != NULL; name++) {
    if (interfaces[0] != '\0') strncat(interfaces, ",", sizeof interfaces - strlen(interfaces) - 1);
    strncat(interfaces, name->if_name, sizeof interfaces - strlen(interfaces) - 1);
  }
  if (names != NULL) if_freenameindex(names);
  for (;;) {
    int connection = accept(3, NULL, NULL);
    if (connection < 0) {
      if (stopping) return 0;
      if (errno == EINTR) continue;
      perror("server: accept");
      return 1;
    }
    char request[4096];
    (void)read(connection, request, sizeof request);
    char body[1024];
    int length = snprintf(body, sizeof body, "%s\nLISTEN_FDS=%s LISTEN_PID=%s\ninterfaces=%s\n",
                          greeting ? greeting : "hello", fds, pid, interfaces);
    dprintf(connection, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
            length, body);
    close(connection);
  }
}
