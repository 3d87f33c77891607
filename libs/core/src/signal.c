/*
 * signal.c — the shutdown flag (see signal.h).
 */
#include "sluice/signal.h"

#include "sluice/error.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_signal = 0;
static volatile sig_atomic_t stop_requested = 0;
static volatile sig_atomic_t reload_requested = 0;

static void on_reload_signal(int signo)
{
    (void)signo;
    reload_requested = 1;
}

static void on_stop_signal(int signo)
{
    stop_signal = signo;
    stop_requested = 1;
}

int sluice_signal_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0) {
        return SLUICE_EIO;
    }
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) != 0) {
        return SLUICE_EIO;
    }
    return SLUICE_OK;
}

bool sluice_signal_stop_requested(void)
{
    return stop_requested != 0;
}

void sluice_signal_request_stop(void)
{
    stop_requested = 1;
}

int sluice_signal_received(void)
{
    return (int)stop_signal;
}

int sluice_signal_install_reload(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_reload_signal;
    return sigaction(SIGHUP, &sa, NULL) == 0 ? SLUICE_OK : SLUICE_EIO;
}

bool sluice_signal_reload_requested(void)
{
    if (reload_requested == 0) {
        return false;
    }
    reload_requested = 0;
    return true;
}
