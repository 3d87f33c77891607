/*
 * testenv.h — what an integration test needs to find its peers.
 *
 * The integration_env ctest fixture (scripts/test-env.sh) starts one Kafka
 * broker and one Redis server on free ports and writes KEY=VALUE lines to the
 * file named by SLUICE_TEST_ENV_FILE:
 *   SLUICE_TEST_KAFKA_BROKERS=127.0.0.1:<port>
 *   SLUICE_TEST_REDIS_HOST=127.0.0.1   SLUICE_TEST_REDIS_PORT=<port>
 *   SLUICE_TEST_BUS_KEY_FILE=<the bus key file every test signs with>
 *   SLUICE_TEST_ORCHESTRATOR_ID_KEY_FILE=<the orchestrator's id key>
 * Tests make their topic names and key prefixes unique with testenv_unique_name.
 */
#ifndef SLUICE_TESTENV_H
#define SLUICE_TESTENV_H

#include "sluice/bus_sign.h"

#include <stddef.h>

/* The value of key from the env file (or the process environment), or NULL. */
const char *testenv_get(const char *key);

/* As testenv_get, but aborts the test with a message when the key is missing. */
const char *testenv_require(const char *key);

/* Writes "<prefix>-<pid>-<random hex>" into out. */
void testenv_unique_name(const char *prefix, char *out, size_t outlen);

/*
 * The key set of SLUICE_TEST_BUS_KEY_FILE, loaded once and kept for the
 * process's life (producers of requests and jobs sign with it); aborts the
 * test with a message when it is missing or malformed.
 */
const bus_sign_keys *testenv_bus_keys(void);

/* The source tree (SLUICE_SOURCE_DIR) and build tree (SLUICE_BINARY_DIR); never NULL. */
const char *testenv_source_dir(void);
const char *testenv_binary_dir(void);

#endif
