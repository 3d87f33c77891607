/*
 * bus_kafka.h — what the producer, consumer and admin modules share about
 * librdkafka: a configuration object with Sluice's common settings, and the
 * log and error callbacks that route librdkafka's messages into Sluice's
 * logger. Private to libs/bus.
 *
 * librdkafka calls the log callback from its own threads; it only calls
 * SLUICE_LOG, which is thread-safe. The error helpers run on the thread that
 * polls.
 */
#ifndef SLUICE_BUS_KAFKA_H
#define SLUICE_BUS_KAFKA_H

#include "sluice/bus_security.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>

/* Room for librdkafka's error strings. */
#define BUS_KAFKA_ERRSTR_MAX 512

/*
 * A new configuration with bootstrap.servers = brokers, client.id =
 * client_id (NULL: "sluice"), IPv4, Nagle off, the log callback, debug
 * contexts when debug is non-NULL and non-empty, and the security settings of
 * sec (NULL: PLAINTEXT). NULL with a message in err when a value is rejected
 * (librdkafka built without SASL or TLS, a bad file) or memory runs out; the
 * password never appears in err.
 */
rd_kafka_conf_t *bus_kafka_conf_new(const char *brokers, const char *client_id, const char *debug,
                                    const bus_security *sec, char *err, size_t errlen);

/*
 * True when err (a librdkafka error code) says the broker refused who we are
 * or what we asked for: authentication failed (SASL, TLS) or an operation was
 * not authorized. Such errors are not retried into success by waiting.
 */
bool bus_kafka_is_auth_error(int err);

/* Sets one property. 0, or SLUICE_EINVAL with librdkafka's message in err. */
int bus_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err,
                       size_t errlen);

/* Sets one integer property (formatted in decimal). Same contract as bus_kafka_conf_set. */
int bus_kafka_conf_set_int(rd_kafka_conf_t *conf, const char *name, long long value, char *err,
                           size_t errlen);

/* Logs an error reported by librdkafka's error callback, at a level that fits it. */
void bus_kafka_log_error(rd_kafka_t *rk, int err, const char *reason);

/*
 * Reports an error from librdkafka's error callback. A fatal error
 * (RD_KAFKA_RESP_ERR__FATAL) is logged with its underlying code and cause and
 * true is returned: the caller then marks its client as dead. Anything else
 * goes to bus_kafka_log_error and false is returned. role ("producer",
 * "consumer") names the client in the log record.
 */
bool bus_kafka_report_error(rd_kafka_t *rk, int err, const char *reason, const char *role);

#endif
