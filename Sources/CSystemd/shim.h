// libsystemd's D-Bus client (sd-bus) and journal reader (sd-journal), for spawnc-systemd.
#include <systemd/sd-bus.h>
#include <systemd/sd-journal.h>
