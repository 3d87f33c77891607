/*
 * signal.h — orderly shutdown. SIGINT and SIGTERM set one flag that every
 * service loop polls; SIGPIPE is ignored process-wide (hiredis and sockets
 * write with write(2)). The flag is the one mutable global besides a
 * service's state struct.
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

#endif
