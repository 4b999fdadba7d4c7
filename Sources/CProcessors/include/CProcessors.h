// Processor placement for spawnc-generator's worker threads: the GNU calls Swift's Glibc
// module does not expose (they need _GNU_SOURCE).
#ifndef CPROCESSORS_H
#define CPROCESSORS_H

#include <pthread.h>

/// The processor the calling thread runs on, or -1.
int spawnc_current_processor(void);

/// Starts a thread on processor `processor` (any when -1) running `start(argument)`; the
/// thread may move to any processor the process may use once `spawnc_release_processor()`
/// is called from it. Returns 0 or an errno value.
int spawnc_start_thread_on(int processor, void *(*start)(void *), void *argument, pthread_t *thread);

/// Lets the calling thread run on every processor the process may use.
void spawnc_release_processor(void);

/// A processor the process may use other than `except`, the `index`-th one (wrapping), or -1.
int spawnc_other_processor(int except, int index);

#endif
