/*
 * cli_pattern.h — `sluice test-event-pattern`: EventBridge's TestEventPattern
 * on the command line, answering as `aws events test-event-pattern` does.
 *
 *   sluice test-event-pattern --event-pattern JSON --event JSON
 *
 * Either value may be given as file://PATH. Prints {"Result": true} or
 * {"Result": false} and exits 0; an invalid pattern prints
 * "InvalidEventPatternException: <reason>" on stderr and exits 1; an event
 * that is not a JSON object with EventBridge's mandatory fields (id,
 * account, source, time, region, resources, detail-type) prints
 * "ValidationException: <reason>" and exits 1; a usage error exits 2.
 */
#ifndef SLUICE_CLI_PATTERN_H
#define SLUICE_CLI_PATTERN_H

#include <stdio.h>

/* Runs the command on its arguments (after the command name); the exit status. */
int cli_pattern_run(int argc, char **argv, FILE *out, FILE *err);

#endif
