// The command line as glibc hands it to the program's initializers, for spawnc-generator.
//
// Linking this target replaces the Swift runtime's `_swift_stdlib_getUnsafeArgvArgc` (the
// source of `CommandLine`) in a static executable: the runtime's own version finds argv by
// reading /proc/self/maps with `sscanf` in a static initializer, about 7% of a one-recipe
// generator run. Here glibc's initializer call (argc, argv, envp) records it instead. In a
// dynamically linked program the runtime keeps its own (its copy is internal to the library)
// and this one goes unused. Nothing calls into this target by name: it is linked for the two
// runtime functions it defines (CStartArguments.c), so this header declares nothing.
#ifndef CSTARTARGUMENTS_H
#define CSTARTARGUMENTS_H
#endif
