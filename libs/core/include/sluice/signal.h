/*
 * signal.h — orderly shutdown. SIGINT and SIGTERM set one flag that every
 * service loop polls; SIGPIPE is ignored process-wide (hiredis and sockets
 * write with write(2)). The flag is the one mutable global besides a
 * service's state struct. A service that reloads its configuration also
 * installs the reload handler: SIGHUP then sets a second flag instead of
 * ending the process.
 */
#ifndef SLUICE_SIGNAL_H
#define SLUICE_SIGNAL_H

#include <stdbool.h>

/* Installs the handlers. 0, or SLUICE_EIO if sigaction fails. Call once from main. */
int sluice_signal_install(void);

/* True once SIGINT/SIGTERM arrived or sluice_signal_request_stop was called. Async-signal-safe. */
bool sluice_signal_stop_requested(void);

/* Sets the stop flag from code (tests, fatal conditions). Async-signal-safe. */
void sluice_signal_request_stop(void);

/* The number of the signal that requested the stop, or 0. */
int sluice_signal_received(void);

/* Makes SIGHUP set the reload flag instead of ending the process. 0, or SLUICE_EIO. */
int sluice_signal_install_reload(void);

/* True once for each SIGHUP that arrived since the previous call (which cleared it). */
bool sluice_signal_reload_requested(void);

#endif
