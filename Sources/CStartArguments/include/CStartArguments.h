// The command line as glibc hands it to the program's initializers, for spawnc-generator.
//
// Linking this target replaces the Swift runtime's `_swift_stdlib_getUnsafeArgvArgc` (the
// source of `CommandLine`) in a static executable: the runtime's own version finds argv by
// reading /proc/self/maps with `sscanf` in a static initializer, about 7% of a one-recipe
// generator run. Here glibc's initializer call (argc, argv, envp) records it instead. In a
// dynamically linked program the runtime keeps its own (its copy is internal to the library)
// and this one goes unused.
#ifndef CSTARTARGUMENTS_H
#define CSTARTARGUMENTS_H

/// The argument count recorded at start (0 if the initializer did not run).
int spawnc_start_argument_count(void);

#endif
