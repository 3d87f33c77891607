/*
 * bus_security.c — checking the Kafka security settings and reading the SASL
 * password from its file (see bus_security.h). How they reach librdkafka is
 * bus_kafka.c's business.
 */
#include "sluice/bus_security.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/fs.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const protocol_names[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};
static const char *const mechanism_names[] = {"SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"};

#define NPROTOCOLS  (sizeof protocol_names / sizeof protocol_names[0])
#define NMECHANISMS (sizeof mechanism_names / sizeof mechanism_names[0])

/* Collects "; "-separated problems into a caller's buffer. */
typedef struct security_problems {
    char *err;
    size_t errlen;
    size_t used;
    int rc; /* the first failure's code */
} security_problems;

__attribute__((format(printf, 3, 4))) static void problem_add(security_problems *pb, int code,
                                                              const char *fmt, ...)
{
    if (pb->rc == SLUICE_OK) {
        pb->rc = code;
    }
    if (pb->err == NULL || pb->errlen == 0 || pb->used + 1 >= pb->errlen) {
        return;
    }
    if (pb->used > 0) {
        int n = snprintf(pb->err + pb->used, pb->errlen - pb->used, "; ");
        pb->used += n > 0 ? (size_t)n : 0;
        if (pb->used >= pb->errlen) {
            pb->used = pb->errlen - 1;
            return;
        }
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(pb->err + pb->used, pb->errlen - pb->used, fmt, ap);
    va_end(ap);
    pb->used += n > 0 ? (size_t)n : 0;
    if (pb->used >= pb->errlen) {
        pb->used = pb->errlen - 1;
    }
}

void bus_security_init(bus_security *sec)
{
    memset(sec, 0, sizeof *sec);
    sec->protocol = BUS_SECURITY_PLAINTEXT;
    sec->mechanism = BUS_SECURITY_SCRAM_SHA_256;
}

void bus_security_wipe(bus_security *sec)
{
    OPENSSL_cleanse(sec, sizeof *sec);
    bus_security_init(sec);
}

const char *bus_security_protocol_name(bus_security_protocol protocol)
{
    return (size_t)protocol < NPROTOCOLS ? protocol_names[protocol] : "?";
}

const char *bus_security_mechanism_name(bus_security_mechanism mechanism)
{
    return (size_t)mechanism < NMECHANISMS ? mechanism_names[mechanism] : "?";
}

bool bus_security_uses_sasl(const bus_security *sec)
{
    return sec != NULL &&
           (sec->protocol == BUS_SECURITY_SASL_PLAINTEXT || sec->protocol == BUS_SECURITY_SASL_SSL);
}

static bool security_uses_tls(bus_security_protocol protocol)
{
    return protocol == BUS_SECURITY_SSL || protocol == BUS_SECURITY_SASL_SSL;
}

/* Copies a configured string that must fit (the table bounds it already). */
static void security_copy(char *dst, size_t dstlen, const char *src)
{
    snprintf(dst, dstlen, "%s", src);
}

/* Reads the one-line password of path into out (BUS_SECURITY_PASSWORD_MAX). */
static void security_read_password(const char *path, char *out, security_problems *pb)
{
    char why[BUS_SECURITY_PATH_MAX + 128];
    int rc = sluice_fs_read_secret_line(path, "the password", out, BUS_SECURITY_PASSWORD_MAX, why,
                                        sizeof why);
    if (rc != SLUICE_OK) {
        problem_add(pb, rc, "SLUICE_KAFKA_SASL_PASSWORD_FILE: %s", why);
    }
}

/* Checks one optional TLS file; private says it holds a key. */
static void security_check_file(const char *var, const char *path, bool private,
                                security_problems *pb)
{
    char why[BUS_SECURITY_PATH_MAX + 128];
    if (private) {
        int rc = sluice_fs_check_private(path, why, sizeof why);
        if (rc != SLUICE_OK) {
            problem_add(pb, rc, "%s: %s", var, why);
        }
        return;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        problem_add(pb, SLUICE_ENOTFOUND, "%s: %s: no such file", var, path);
    }
}

int bus_security_resolve(const bus_security_config *cfg, bus_security *out, char *err,
                         size_t errlen)
{
    security_problems pb = {err, errlen, 0, SLUICE_OK};
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    bus_security_init(out);

    bool known = false;
    for (size_t i = 0; i < NPROTOCOLS && !known; i++) {
        if (strcmp(cfg->protocol, protocol_names[i]) == 0) {
            out->protocol = (bus_security_protocol)i;
            known = true;
        }
    }
    if (!known) {
        problem_add(&pb, SLUICE_EINVAL,
                    "SLUICE_KAFKA_SECURITY_PROTOCOL: \"%.64s\" is not PLAINTEXT, SSL, "
                    "SASL_PLAINTEXT or SASL_SSL",
                    cfg->protocol);
    }
    known = false;
    for (size_t i = 0; i < NMECHANISMS && !known; i++) {
        if (strcmp(cfg->mechanism, mechanism_names[i]) == 0) {
            out->mechanism = (bus_security_mechanism)i;
            known = true;
        }
    }
    if (!known) {
        problem_add(&pb, SLUICE_EINVAL,
                    "SLUICE_KAFKA_SASL_MECHANISM: \"%.64s\" is not SCRAM-SHA-256, SCRAM-SHA-512 "
                    "or PLAIN",
                    cfg->mechanism);
    }
    if (pb.rc != SLUICE_OK) {
        bus_security_wipe(out);
        return pb.rc;
    }

    if (bus_security_uses_sasl(out)) {
        if (out->mechanism == BUS_SECURITY_PLAIN && out->protocol != BUS_SECURITY_SASL_SSL) {
            problem_add(&pb, SLUICE_EINVAL,
                        "SLUICE_KAFKA_SASL_MECHANISM: PLAIN sends the password in clear; it is "
                        "accepted only with SLUICE_KAFKA_SECURITY_PROTOCOL=SASL_SSL");
        }
        if (cfg->username[0] == '\0') {
            problem_add(&pb, SLUICE_EINVAL, "SLUICE_KAFKA_SASL_USERNAME: required with %s",
                        protocol_names[out->protocol]);
        }
        if (cfg->password_file[0] == '\0') {
            problem_add(&pb, SLUICE_EINVAL, "SLUICE_KAFKA_SASL_PASSWORD_FILE: required with %s",
                        protocol_names[out->protocol]);
        } else {
            security_read_password(cfg->password_file, out->password, &pb);
        }
        security_copy(out->username, sizeof out->username, cfg->username);
    } else {
        if (cfg->username[0] != '\0') {
            problem_add(&pb, SLUICE_EINVAL,
                        "SLUICE_KAFKA_SASL_USERNAME: set, but %s does not use SASL",
                        protocol_names[out->protocol]);
        }
        if (cfg->password_file[0] != '\0') {
            problem_add(&pb, SLUICE_EINVAL,
                        "SLUICE_KAFKA_SASL_PASSWORD_FILE: set, but %s does not use SASL",
                        protocol_names[out->protocol]);
        }
    }

    const struct {
        const char *var;
        const char *path;
        char *dst;
        bool private;
    } files[] = {
        {"SLUICE_KAFKA_SSL_CA_FILE", cfg->ca_file, out->ca_file, false},
        {"SLUICE_KAFKA_SSL_CERT_FILE", cfg->cert_file, out->cert_file, false},
        {"SLUICE_KAFKA_SSL_KEY_FILE", cfg->key_file, out->key_file, true},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (files[i].path[0] == '\0') {
            continue;
        }
        if (!security_uses_tls(out->protocol)) {
            problem_add(&pb, SLUICE_EINVAL, "%s: set, but %s does not use TLS", files[i].var,
                        protocol_names[out->protocol]);
            continue;
        }
        security_check_file(files[i].var, files[i].path, files[i].private, &pb);
        security_copy(files[i].dst, BUS_SECURITY_PATH_MAX, files[i].path);
    }
    if ((cfg->cert_file[0] == '\0') != (cfg->key_file[0] == '\0')) {
        problem_add(&pb, SLUICE_EINVAL,
                    "SLUICE_KAFKA_SSL_CERT_FILE and SLUICE_KAFKA_SSL_KEY_FILE go together: set "
                    "both or neither");
    }
    if (pb.rc != SLUICE_OK) {
        bus_security_wipe(out);
    }
    return pb.rc;
}
