/*
 * bus_kafka.c — librdkafka configuration and log routing shared by libs/bus
 * (see bus_kafka.h).
 */
#include "bus_kafka.h"

#include "sluice/error.h"
#include "sluice/log.h"

#include <stdio.h>

/* librdkafka's log callback: one Sluice log record per librdkafka line. */
static void kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    SLUICE_LOG(sluice_log_level_from_syslog(level), "librdkafka %s %s: %s", rd_kafka_name(rk), fac,
               buf);
}

int bus_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err,
                       size_t errlen)
{
    char errstr[BUS_KAFKA_ERRSTR_MAX];
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "kafka setting %s=%s: %s", name, value,
                                errstr);
    }
    return SLUICE_OK;
}

int bus_kafka_conf_set_int(rd_kafka_conf_t *conf, const char *name, long long value, char *err,
                           size_t errlen)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", value);
    return bus_kafka_conf_set(conf, name, text, err, errlen);
}

/* Hands sec to conf. 0, or SLUICE_EINVAL with the setting named (never the password). */
static int kafka_conf_security(rd_kafka_conf_t *conf, const bus_security *sec, char *err,
                               size_t errlen)
{
    int rc = bus_kafka_conf_set(conf, "security.protocol",
                                bus_security_protocol_name(sec->protocol), err, errlen);
    if (rc == SLUICE_OK && bus_security_uses_sasl(sec)) {
        char errstr[BUS_KAFKA_ERRSTR_MAX];
        rc = bus_kafka_conf_set(conf, "sasl.mechanism", bus_security_mechanism_name(sec->mechanism),
                                err, errlen);
        if (rc == SLUICE_OK) {
            rc = bus_kafka_conf_set(conf, "sasl.username", sec->username, err, errlen);
        }
        if (rc == SLUICE_OK && rd_kafka_conf_set(conf, "sasl.password", sec->password, errstr,
                                                 sizeof errstr) != RD_KAFKA_CONF_OK) {
            rc = sluice_error_set(err, errlen, SLUICE_EINVAL, "kafka setting sasl.password: %s",
                                  errstr);
        }
    }
    const struct {
        const char *name;
        const char *value;
    } files[] = {
        {"ssl.ca.location", sec->ca_file},
        {"ssl.certificate.location", sec->cert_file},
        {"ssl.key.location", sec->key_file},
    };
    for (size_t i = 0; rc == SLUICE_OK && i < sizeof files / sizeof files[0]; i++) {
        if (files[i].value[0] != '\0') {
            rc = bus_kafka_conf_set(conf, files[i].name, files[i].value, err, errlen);
        }
    }
    return rc;
}

rd_kafka_conf_t *bus_kafka_conf_new(const char *brokers, const char *client_id, const char *debug,
                                    const bus_security *sec, char *err, size_t errlen)
{
    if (brokers == NULL || brokers[0] == '\0') {
        sluice_error_set(err, errlen, SLUICE_EINVAL, "no kafka brokers given");
        return NULL;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (conf == NULL) {
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
        return NULL;
    }
    if (bus_kafka_conf_set(conf, "bootstrap.servers", brokers, err, errlen) != SLUICE_OK ||
        bus_kafka_conf_set(conf, "client.id", client_id != NULL ? client_id : "sluice", err,
                           errlen) != SLUICE_OK ||
        bus_kafka_conf_set(conf, "broker.address.family", "v4", err, errlen) != SLUICE_OK ||
        bus_kafka_conf_set(conf, "socket.nagle.disable", "true", err, errlen) != SLUICE_OK ||
        (debug != NULL && debug[0] != '\0' &&
         bus_kafka_conf_set(conf, "debug", debug, err, errlen) != SLUICE_OK) ||
        (sec != NULL && kafka_conf_security(conf, sec, err, errlen) != SLUICE_OK)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
    return conf;
}

bool bus_kafka_is_auth_error(int err)
{
    switch ((rd_kafka_resp_err_t)err) {
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__SSL:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM:
    case RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
        return true;
    default:
        return false;
    }
}

void bus_kafka_log_error(rd_kafka_t *rk, int err, const char *reason)
{
    rd_kafka_resp_err_t code = (rd_kafka_resp_err_t)err;
    if (bus_kafka_is_auth_error(err)) {
        SLUICE_ERROR("kafka %s: the broker refused this client (%s): %s; check "
                     "SLUICE_KAFKA_SECURITY_PROTOCOL, SLUICE_KAFKA_SASL_USERNAME, "
                     "SLUICE_KAFKA_SASL_PASSWORD_FILE and the broker's ACLs",
                     rd_kafka_name(rk), rd_kafka_err2name(code), reason);
        return;
    }
    /* Connection trouble is retried by librdkafka on its own: a warning, not an error. */
    if (code == RD_KAFKA_RESP_ERR__TRANSPORT || code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
        code == RD_KAFKA_RESP_ERR__RESOLVE) {
        SLUICE_WARN("kafka %s: %s: %s", rd_kafka_name(rk), rd_kafka_err2name(code), reason);
        return;
    }
    SLUICE_ERROR("kafka %s: %s: %s", rd_kafka_name(rk), rd_kafka_err2name(code), reason);
}

bool bus_kafka_report_error(rd_kafka_t *rk, int err, const char *reason, const char *role)
{
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char cause[BUS_KAFKA_ERRSTR_MAX] = "";
        rd_kafka_resp_err_t code = rd_kafka_fatal_error(rk, cause, sizeof cause);
        SLUICE_ERROR("kafka %s %s: fatal error %s: %s", role, rd_kafka_name(rk),
                     rd_kafka_err2name(code), cause);
        return true;
    }
    bus_kafka_log_error(rk, err, reason);
    return false;
}
