#include "CStartArguments.h"

#include <stddef.h>

static char **start_argv;
static int start_argc;
static char **override_argv;
static int override_argc;

/// glibc calls the initializers of `.init_array` with (argc, argv, envp), in static programs
/// as in dynamic ones, before any Swift code runs.
__attribute__((constructor)) static void record_start_arguments(int argc, char **argv, char **envp) {
  (void)envp;
  start_argc = argc;
  start_argv = argv;
}

/// The Swift runtime's interface (swiftcall, as the standard library calls it): the process's
/// arguments, or those set by `_swift_stdlib_overrideUnsafeArgvArgc`.
__attribute__((swiftcall)) char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen) {
  static char *empty[] = {NULL};
  if (override_argv) {
    *outArgLen = override_argc;
    return override_argv;
  }
  if (!start_argv) {
    *outArgLen = 0;
    return empty;
  }
  *outArgLen = start_argc;
  return start_argv;
}

/// Replaces the arguments `CommandLine` reports (the runtime's interface, for completeness:
/// the runtime's object that defines both functions must not be linked in for one of them).
__attribute__((swiftcall)) void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc) {
  override_argv = argv;
  override_argc = argc;
}
