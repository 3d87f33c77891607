/*
 * test_security.c — the Kafka security settings: the shared table fragment,
 * every validation rule, the password file's mode and format, and that
 * librdkafka accepts what bus_security hands it.
 */
#include "sluice/bus_producer.h"
#include "sluice/bus_security.h"
#include "sluice/config.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct test_config {
    bus_security_config kafka;
} test_config;

static const sluice_config_var vars[] = {BUS_SECURITY_CONFIG_VARS(test_config, kafka)};

static char dir[64];

/* "NAME=value" pairs, NULL-terminated. */
static const char *lookup(const char *name, void *ctx)
{
    const char *const *env = ctx;
    size_t n = strlen(name);
    for (size_t i = 0; env[i] != NULL; i++) {
        if (strncmp(env[i], name, n) == 0 && env[i][n] == '=') {
            return env[i] + n + 1;
        }
    }
    return NULL;
}

/* Loads env through the table, then resolves it. */
static int resolve(const char **env, bus_security *sec, char *err, size_t errlen)
{
    test_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = sluice_config_load(vars, sizeof vars / sizeof vars[0], &cfg, lookup, (void *)env, err,
                                errlen);
    if (rc != SLUICE_OK) {
        return rc;
    }
    return bus_security_resolve(&cfg.kafka, sec, err, errlen);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
    REQUIRE(chmod(path, mode) == 0);
}

static void test_defaults_are_plaintext(void)
{
    const char *env[] = {NULL};
    bus_security sec;
    char err[512] = "";
    CHECK_INT_EQ(resolve(env, &sec, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(sec.protocol, BUS_SECURITY_PLAINTEXT);
    CHECK(!bus_security_uses_sasl(&sec));
    CHECK_STR_EQ(bus_security_protocol_name(sec.protocol), "PLAINTEXT");
    CHECK_STR_EQ(sec.password, "");
}

static void test_bad_names(void)
{
    bus_security sec;
    char err[512] = "";
    const char *env1[] = {"SLUICE_KAFKA_SECURITY_PROTOCOL=SASL", NULL};
    CHECK_INT_EQ(resolve(env1, &sec, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_KAFKA_SECURITY_PROTOCOL: \"SASL\" is not PLAINTEXT");
    /* librdkafka would take lower case; Sluice keeps one spelling. */
    const char *env2[] = {"SLUICE_KAFKA_SECURITY_PROTOCOL=sasl_plaintext", NULL};
    CHECK_INT_EQ(resolve(env2, &sec, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_KAFKA_SECURITY_PROTOCOL");
    const char *env3[] = {"SLUICE_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT",
                          "SLUICE_KAFKA_SASL_MECHANISM=SCRAM-SHA-1", NULL};
    CHECK_INT_EQ(resolve(env3, &sec, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_KAFKA_SASL_MECHANISM: \"SCRAM-SHA-1\" is not SCRAM-SHA-256");
    const char *env4[] = {"SLUICE_KAFKA_SECURITY_PROTOCOL=", NULL};
    CHECK_INT_EQ(resolve(env4, &sec, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_KAFKA_SECURITY_PROTOCOL");
}

static void test_sasl_needs_user_and_file(void)
{
    bus_security sec;
    char err[512] = "";
    const char *env[] = {"SLUICE_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT", NULL};
    CHECK_INT_EQ(resolve(env, &sec, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_KAFKA_SASL_USERNAME: required with SASL_PLAINTEXT");
    CHECK_STR_CONTAINS(err, "SLUICE_KAFKA_SASL_PASSWORD_FILE: required with SASL_PLAINTEXT");
    /* ...and neither is taken without SASL. */
    const char *env2[] = {"SLUICE_KAFKA_SASL_USERNAME=sluice",
                          "SLUICE_KAFKA_SASL_PASSWORD_FILE=/nonexistent", NULL};
    CHECK_INT_EQ(resolve(env2, &sec, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_KAFKA_SASL_USERNAME: set, but PLAINTEXT does not use SASL");
    CHECK_STR_CONTAINS(err, "SLUICE_KAFKA_SASL_PASSWORD_FILE: set, but PLAINTEXT");
}

static void test_password_file(void)
{
    char path[128], var[200], err[512] = "";
    bus_security sec;
    snprintf(path, sizeof path, "%s/kafka.password", dir);
    snprintf(var, sizeof var, "SLUICE_KAFKA_SASL_PASSWORD_FILE=%s", path);
    const char *env[] = {"SLUICE_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT",
                         "SLUICE_KAFKA_SASL_MECHANISM=SCRAM-SHA-512",
                         "SLUICE_KAFKA_SASL_USERNAME=sluice", var, NULL};

    write_file(path, "hunter2-secret\n", 0600);
    CHECK_INT_EQ(resolve(env, &sec, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(sec.protocol, BUS_SECURITY_SASL_PLAINTEXT);
    CHECK_INT_EQ(sec.mechanism, BUS_SECURITY_SCRAM_SHA_512);
    CHECK_STR_EQ(sec.username, "sluice");
    CHECK_STR_EQ(sec.password, "hunter2-secret");
    bus_security_wipe(&sec);
    CHECK_STR_EQ(sec.password, "");

    /* Readable by the group: refused, naming the file and its mode, never the password. */
    REQUIRE(chmod(path, 0640) == 0);
    CHECK_INT_EQ(resolve(env, &sec, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "SLUICE_KAFKA_SASL_PASSWORD_FILE");
    CHECK_STR_CONTAINS(err, path);
    CHECK_STR_CONTAINS(err, "0640");
    CHECK(strstr(err, "hunter2") == NULL);
    CHECK_STR_EQ(sec.password, "");
    REQUIRE(chmod(path, 0604) == 0);
    CHECK_INT_EQ(resolve(env, &sec, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "0604");

    /* A CRLF line is fine; an empty file, two lines or a NUL are not. */
    write_file(path, "pw-crlf\r\n", 0600);
    CHECK_INT_EQ(resolve(env, &sec, err, sizeof err), SLUICE_OK);
    CHECK_STR_EQ(sec.password, "pw-crlf");
    write_file(path, "", 0600);
    CHECK_INT_EQ(resolve(env, &sec, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "must hold the password on one line");
    write_file(path, "one\ntwo\n", 0600);
    CHECK_INT_EQ(resolve(env, &sec, err, sizeof err), SLUICE_EINVAL);
    CHECK(strstr(err, "one") == NULL || strstr(err, "one line") != NULL);
    char big[1200];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    write_file(path, big, 0600);
    CHECK_INT_EQ(resolve(env, &sec, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "longer than 1023 bytes");

    REQUIRE(unlink(path) == 0);
    CHECK_INT_EQ(resolve(env, &sec, err, sizeof err), SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(err, path);
}

static void test_plain_only_over_tls(void)
{
    char path[128], var[200], err[512] = "";
    bus_security sec;
    snprintf(path, sizeof path, "%s/plain.password", dir);
    snprintf(var, sizeof var, "SLUICE_KAFKA_SASL_PASSWORD_FILE=%s", path);
    write_file(path, "pw\n", 0600);
    const char *env[] = {"SLUICE_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT",
                         "SLUICE_KAFKA_SASL_MECHANISM=PLAIN", "SLUICE_KAFKA_SASL_USERNAME=u", var,
                         NULL};
    CHECK_INT_EQ(resolve(env, &sec, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "PLAIN sends the password in clear");
    const char *env2[] = {"SLUICE_KAFKA_SECURITY_PROTOCOL=SASL_SSL",
                          "SLUICE_KAFKA_SASL_MECHANISM=PLAIN", "SLUICE_KAFKA_SASL_USERNAME=u", var,
                          NULL};
    CHECK_INT_EQ(resolve(env2, &sec, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(sec.mechanism, BUS_SECURITY_PLAIN);
}

static void test_tls_files(void)
{
    char ca[128], cert[128], key[128], err[512] = "";
    char vca[200], vcert[200], vkey[200];
    bus_security sec;
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    snprintf(cert, sizeof cert, "%s/client.pem", dir);
    snprintf(key, sizeof key, "%s/client.key", dir);
    write_file(ca, "ca\n", 0644);
    write_file(cert, "cert\n", 0644);
    write_file(key, "key\n", 0600);
    snprintf(vca, sizeof vca, "SLUICE_KAFKA_SSL_CA_FILE=%s", ca);
    snprintf(vcert, sizeof vcert, "SLUICE_KAFKA_SSL_CERT_FILE=%s", cert);
    snprintf(vkey, sizeof vkey, "SLUICE_KAFKA_SSL_KEY_FILE=%s", key);

    const char *ok[] = {"SLUICE_KAFKA_SECURITY_PROTOCOL=SSL", vca, vcert, vkey, NULL};
    CHECK_INT_EQ(resolve(ok, &sec, err, sizeof err), SLUICE_OK);
    CHECK_STR_EQ(sec.ca_file, ca);
    CHECK_STR_EQ(sec.key_file, key);

    const char *no_tls[] = {"SLUICE_KAFKA_SECURITY_PROTOCOL=PLAINTEXT", vca, NULL};
    CHECK_INT_EQ(resolve(no_tls, &sec, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_KAFKA_SSL_CA_FILE: set, but PLAINTEXT does not use TLS");

    const char *half[] = {"SLUICE_KAFKA_SECURITY_PROTOCOL=SSL", vcert, NULL};
    CHECK_INT_EQ(resolve(half, &sec, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "go together");

    REQUIRE(chmod(key, 0644) == 0);
    CHECK_INT_EQ(resolve(ok, &sec, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "SLUICE_KAFKA_SSL_KEY_FILE");
    CHECK_STR_CONTAINS(err, "0644");

    REQUIRE(unlink(ca) == 0);
    REQUIRE(chmod(key, 0600) == 0);
    CHECK_INT_EQ(resolve(ok, &sec, err, sizeof err), SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(err, "SLUICE_KAFKA_SSL_CA_FILE");
}

/* librdkafka takes the SASL settings (it is built with SCRAM), and a producer starts with them. */
static void test_librdkafka_accepts(void)
{
    bus_security sec;
    bus_security_init(&sec);
    sec.protocol = BUS_SECURITY_SASL_PLAINTEXT;
    sec.mechanism = BUS_SECURITY_SCRAM_SHA_256;
    snprintf(sec.username, sizeof sec.username, "sluice");
    snprintf(sec.password, sizeof sec.password, "pw");
    bus_producer_config cfg;
    bus_producer_config_init(&cfg);
    cfg.brokers = "127.0.0.1:1";
    cfg.security = &sec;
    cfg.close_timeout_ms = 0;
    bus_producer *p = NULL;
    char err[512] = "";
    CHECK_INT_EQ(bus_producer_new(&cfg, &p, err, sizeof err), SLUICE_OK);
    CHECK(p == NULL || !bus_producer_auth_failed(p));
    bus_producer_free(p);
    sec.mechanism = BUS_SECURITY_SCRAM_SHA_512;
    p = NULL;
    CHECK_INT_EQ(bus_producer_new(&cfg, &p, err, sizeof err), SLUICE_OK);
    bus_producer_free(p);

    /* TLS: the CA file is handed to librdkafka, which refuses one that holds no certificate. */
    char ca[128];
    snprintf(ca, sizeof ca, "%s/bogus-ca.pem", dir);
    write_file(ca, "not a certificate\n", 0644);
    sec.protocol = BUS_SECURITY_SASL_SSL;
    snprintf(sec.ca_file, sizeof sec.ca_file, "%s", ca);
    p = NULL;
    CHECK_INT_EQ(bus_producer_new(&cfg, &p, err, sizeof err), SLUICE_EKAFKA);
    CHECK(p == NULL);
    CHECK_STR_CONTAINS(err, "ssl.ca.location");
    fprintf(stderr, "refused as expected: %s\n", err);
    bus_producer_free(p);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/sluice-security-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_defaults_are_plaintext);
    RUN_TEST(test_bad_names);
    RUN_TEST(test_sasl_needs_user_and_file);
    RUN_TEST(test_password_file);
    RUN_TEST(test_plain_only_over_tls);
    RUN_TEST(test_tls_files);
    RUN_TEST(test_librdkafka_accepts);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)system(cmd);
    return sluice_test_report();
}
