/*
 * testenv.h — what an integration test needs to find its peers.
 *
 * The integration_env ctest fixture (scripts/test-env.sh) starts one Kafka
 * broker and one Redis server on free ports and writes KEY=VALUE lines to the
 * file named by SLUICE_TEST_ENV_FILE:
 *   SLUICE_TEST_KAFKA_BROKERS=127.0.0.1:<port>
 *   SLUICE_TEST_REDIS_HOST=127.0.0.1   SLUICE_TEST_REDIS_PORT=<port>
 * Tests make their topic names and key prefixes unique with testenv_unique_name.
 */
#ifndef SLUICE_TESTENV_H
#define SLUICE_TESTENV_H

#include <stddef.h>

/* The value of key from the env file (or the process environment), or NULL. */
const char *testenv_get(const char *key);

/* As testenv_get, but aborts the test with a message when the key is missing. */
const char *testenv_require(const char *key);

/* Writes "<prefix>-<pid>-<random hex>" into out. */
void testenv_unique_name(const char *prefix, char *out, size_t outlen);

/* The source tree (SLUICE_SOURCE_DIR) and build tree (SLUICE_BINARY_DIR); never NULL. */
const char *testenv_source_dir(void);
const char *testenv_binary_dir(void);

#endif
