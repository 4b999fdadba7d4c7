#define _GNU_SOURCE
#include "CProcessors.h"

#include <sched.h>

static cpu_set_t allowed;
static int allowed_known;

static void know_allowed(void) {
  if (!allowed_known) {
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) CPU_ZERO(&allowed);
    allowed_known = 1;
  }
}

int spawnc_current_processor(void) { return sched_getcpu(); }

int spawnc_other_processor(int except, int index) {
  know_allowed();
  int others = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
    if (cpu != except && CPU_ISSET(cpu, &allowed)) others++;
  if (others == 0) return -1;
  int wanted = index % others;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
    if (cpu != except && CPU_ISSET(cpu, &allowed) && wanted-- == 0) return cpu;
  return -1;
}

int spawnc_start_thread_on(int processor, void *(*start)(void *), void *argument, pthread_t *thread) {
  know_allowed();
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  if (processor >= 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(processor, &one);
    pthread_attr_setaffinity_np(&attributes, sizeof one, &one);
  }
  int result = pthread_create(thread, &attributes, start, argument);
  pthread_attr_destroy(&attributes);
  // A processor that went offline meanwhile: anywhere will do.
  if (result != 0 && processor >= 0) result = pthread_create(thread, NULL, start, argument);
  return result;
}

void spawnc_release_processor(void) {
  know_allowed();
  if (CPU_COUNT(&allowed) > 0) sched_setaffinity(0, sizeof allowed, &allowed);
}
