/*
 * service.c — the start-up every service shares (see service.h).
 */
#include "sluice/service.h"

#include "sluice/log.h"
#include "sluice/signal.h"

#define SLUICE_SERVICE_ERR_MAX 4096 /* room for every problem of a configuration */

int sluice_service_start(int argc, char **argv, const sluice_service_spec *spec)
{
    int command_line =
        sluice_config_command_line(argc, argv, spec->program, spec->vars, spec->nvars);
    if (command_line >= 0) {
        return command_line;
    }
    sluice_log_set_service(spec->name);
    char err[SLUICE_SERVICE_ERR_MAX] = "";
    if (spec->load(spec->cfg, err, sizeof err) != 0) {
        SLUICE_ERROR("configuration: %s", err);
        return SLUICE_EXIT_CONFIG;
    }
    const char *text = (const char *)spec->cfg + spec->log_level_offset;
    sluice_log_level level;
    if (sluice_log_level_parse(text, &level) != 0) {
        SLUICE_ERROR("configuration: SLUICE_LOG_LEVEL: \"%s\" is not a level", text);
        return SLUICE_EXIT_CONFIG;
    }
    sluice_log_set_level(level);
    if (sluice_signal_install() != 0 || (spec->reload && sluice_signal_install_reload() != 0)) {
        SLUICE_ERROR("cannot install signal handlers");
        return SLUICE_EXIT_FAILURE;
    }
    return -1;
}
