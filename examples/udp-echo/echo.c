/* A socket-activated UDP echo server: answers each datagram on file descriptor 3 (the socket
 * systemd passes) with the same bytes. Builds with `cc -static`. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void on_term(int signal_number) {
  (void)signal_number;
  _exit(0);
}

int main(void) {
  const char *fds = getenv("LISTEN_FDS");
  const char *pid = getenv("LISTEN_PID");
  if (fds == NULL || pid == NULL || atoi(fds) < 1 || atoi(pid) != (int)getpid()) {
    fprintf(stderr, "udp-echo: no socket from systemd\n");
    return 1;
  }
  /* As PID 1 the program would ignore SIGTERM without a handler. */
  signal(SIGTERM, on_term);
  for (;;) {
    char buffer[65536];
    struct sockaddr_storage peer;
    socklen_t peer_length = sizeof peer;
    ssize_t length = recvfrom(3, buffer, sizeof buffer, 0, (struct sockaddr *)&peer, &peer_length);
    if (length < 0) {
      if (errno == EINTR) continue;
      perror("udp-echo: recvfrom");
      return 1;
    }
    (void)sendto(3, buffer, (size_t)length, 0, (struct sockaddr *)&peer, peer_length);
  }
}
