/*
 * bus_security.h — how Sluice's Kafka clients authenticate to the broker and
 * protect the connection: one settings struct shared by the producer, the
 * consumer and the admin client, handed to librdkafka as security.protocol,
 * sasl.mechanism, sasl.username, sasl.password, ssl.ca.location,
 * ssl.certificate.location and ssl.key.location.
 *
 * Two layers:
 *   - bus_security_config: the configured text, seven SLUICE_KAFKA_* variables
 *     that every service declares through one table fragment,
 *     BUS_SECURITY_CONFIG_VARS, so the names, defaults and help never differ
 *     between services;
 *   - bus_security: the checked settings, with the SASL password read from
 *     its file. A plain value (no pointers): copy it by assignment; wipe it
 *     with bus_security_wipe when done.
 *
 * Rules checked by bus_security_resolve, each failure naming the variable:
 *   - protocol PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (upper case);
 *   - mechanism SCRAM-SHA-256, SCRAM-SHA-512, or PLAIN only with SASL_SSL
 *     (PLAIN sends the password itself: never over an unencrypted link);
 *   - with SASL_*: a username and a password file are required; without,
 *     neither may be set;
 *   - the password is read from a FILE, never from a variable's value: the
 *     file must pass sluice_fs_check_private (mode 0600/0400, owned by the
 *     process's user), hold one line of 1..1023 bytes (one trailing newline
 *     is dropped), no NUL and no other line break;
 *   - CA, certificate and key files only with SSL or SASL_SSL; certificate
 *     and key together or not at all; each must exist, and the key file must
 *     be private like the password file.
 *
 * Pure apart from bus_security_resolve reading files. Thread-safe.
 */
#ifndef SLUICE_BUS_SECURITY_H
#define SLUICE_BUS_SECURITY_H

#include "sluice/config.h"

#include <stdbool.h>
#include <stddef.h>

#define BUS_SECURITY_NAME_MAX     256  /* username, bytes with the NUL */
#define BUS_SECURITY_PASSWORD_MAX 1024 /* password, bytes with the NUL */
#define BUS_SECURITY_PATH_MAX     1024 /* each file name, bytes with the NUL */

typedef enum bus_security_protocol {
    BUS_SECURITY_PLAINTEXT = 0,
    BUS_SECURITY_SSL,
    BUS_SECURITY_SASL_PLAINTEXT,
    BUS_SECURITY_SASL_SSL,
} bus_security_protocol;

typedef enum bus_security_mechanism {
    BUS_SECURITY_SCRAM_SHA_256 = 0,
    BUS_SECURITY_SCRAM_SHA_512,
    BUS_SECURITY_PLAIN,
} bus_security_mechanism;

/* The settings as configured; a member of a service's configuration struct. */
typedef struct bus_security_config {
    char protocol[32];                         /* SLUICE_KAFKA_SECURITY_PROTOCOL */
    char mechanism[32];                        /* SLUICE_KAFKA_SASL_MECHANISM */
    char username[BUS_SECURITY_NAME_MAX];      /* SLUICE_KAFKA_SASL_USERNAME */
    char password_file[BUS_SECURITY_PATH_MAX]; /* SLUICE_KAFKA_SASL_PASSWORD_FILE */
    char ca_file[BUS_SECURITY_PATH_MAX];       /* SLUICE_KAFKA_SSL_CA_FILE */
    char cert_file[BUS_SECURITY_PATH_MAX];     /* SLUICE_KAFKA_SSL_CERT_FILE */
    char key_file[BUS_SECURITY_PATH_MAX];      /* SLUICE_KAFKA_SSL_KEY_FILE */
} bus_security_config;

/*
 * The table entries of the seven variables, for a service whose
 * configuration struct type_ has a bus_security_config member named member:
 *   static const sluice_config_var vars[] = {
 *       ..., BUS_SECURITY_CONFIG_VARS(my_config, kafka_security), ...
 *   };
 */
#define BUS_SECURITY_CONFIG_VARS(type_, member)                                                    \
    SLUICE_CONFIG_STR("SLUICE_KAFKA_SECURITY_PROTOCOL", type_, member.protocol, 1, "PLAINTEXT",    \
                      "Kafka security.protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"),      \
        SLUICE_CONFIG_STR("SLUICE_KAFKA_SASL_MECHANISM", type_, member.mechanism, 1,               \
                          "SCRAM-SHA-256",                                                         \
                          "Kafka SASL mechanism with SASL_*: SCRAM-SHA-256, SCRAM-SHA-512, or "    \
                          "PLAIN (only with SASL_SSL)"),                                           \
        SLUICE_CONFIG_STR("SLUICE_KAFKA_SASL_USERNAME", type_, member.username, 0, "",             \
                          "Kafka SASL username (required with SASL_*)"),                           \
        SLUICE_CONFIG_STR("SLUICE_KAFKA_SASL_PASSWORD_FILE", type_, member.password_file, 0, "",   \
                          "File holding the Kafka SASL password on one line, mode 0600 "           \
                          "(required with SASL_*)"),                                               \
        SLUICE_CONFIG_STR("SLUICE_KAFKA_SSL_CA_FILE", type_, member.ca_file, 0, "",                \
                          "PEM file of the CA certificates that verify the broker (SSL, "          \
                          "SASL_SSL; empty: the system's)"),                                       \
        SLUICE_CONFIG_STR("SLUICE_KAFKA_SSL_CERT_FILE", type_, member.cert_file, 0, "",            \
                          "PEM client certificate for TLS client authentication (with "            \
                          "SLUICE_KAFKA_SSL_KEY_FILE)"),                                           \
        SLUICE_CONFIG_STR("SLUICE_KAFKA_SSL_KEY_FILE", type_, member.key_file, 0, "",              \
                          "PEM private key of the client certificate, mode 0600")

/* The checked settings handed to librdkafka. */
typedef struct bus_security {
    bus_security_protocol protocol;
    bus_security_mechanism mechanism; /* meaningful with SASL_* only */
    char username[BUS_SECURITY_NAME_MAX];
    char password[BUS_SECURITY_PASSWORD_MAX]; /* secret: never logged */
    char ca_file[BUS_SECURITY_PATH_MAX];      /* "" : librdkafka's default */
    char cert_file[BUS_SECURITY_PATH_MAX];
    char key_file[BUS_SECURITY_PATH_MAX];
} bus_security;

/* Fills sec with PLAINTEXT and nothing else (what a NULL bus_security * means too). */
void bus_security_init(bus_security *sec);

/*
 * Checks cfg by the rules above and fills *out, reading the password file.
 * 0, or SLUICE_EINVAL / SLUICE_EDENIED (a file readable by others) /
 * SLUICE_ENOTFOUND / SLUICE_EIO with every problem in err ("; "-separated,
 * each naming its variable; the password never appears); *out is then wiped
 * and left as bus_security_init makes it.
 */
int bus_security_resolve(const bus_security_config *cfg, bus_security *out, char *err,
                         size_t errlen);

/* The protocol's name as librdkafka spells it ("SASL_PLAINTEXT"). Never NULL. */
const char *bus_security_protocol_name(bus_security_protocol protocol);

/* The mechanism's name as librdkafka spells it ("SCRAM-SHA-256"). Never NULL. */
const char *bus_security_mechanism_name(bus_security_mechanism mechanism);

/* True for SASL_PLAINTEXT and SASL_SSL. */
bool bus_security_uses_sasl(const bus_security *sec);

/* Overwrites the password (and everything else) so it does not linger in memory. */
void bus_security_wipe(bus_security *sec);

#endif
