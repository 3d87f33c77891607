/*
 * state_auth.h — who a Sluice service is to Redis: an ACL user and its
 * password, configured the same way in every service.
 *
 * Three variables, declared by each service through one table fragment
 * (STATE_AUTH_CONFIG_VARS) next to its SLUICE_REDIS_HOST/_PORT:
 *   SLUICE_REDIS_USERNAME       the ACL user (empty: Redis's "default" user);
 *   SLUICE_REDIS_PASSWORD_FILE  a file holding the password on one line,
 *                               mode 0600 (sluice_fs_check_private);
 *   SLUICE_REDIS_PASSWORD       the password itself (kept for existing set-ups;
 *                               the file is preferred: a variable's value can
 *                               leak through /proc and process listings).
 * state_auth_resolve turns them into the username and password that
 * state_redis_config takes; AUTH <user> <password> is then sent on every
 * connect and reconnect (state_redis.h).
 *
 * Pure apart from reading the password file. Thread-safe.
 */
#ifndef SLUICE_STATE_AUTH_H
#define SLUICE_STATE_AUTH_H

#include "sluice/config.h"

#include <stddef.h>

#define STATE_AUTH_NAME_MAX     256  /* username, bytes with the NUL */
#define STATE_AUTH_PASSWORD_MAX 1025 /* password (state_redis's bound, 1024), with the NUL */
#define STATE_AUTH_PATH_MAX     1024 /* the file name, bytes with the NUL */

/* The configured text; a member of a service's configuration struct. */
typedef struct state_auth_config {
    char username[STATE_AUTH_NAME_MAX];      /* SLUICE_REDIS_USERNAME */
    char password_file[STATE_AUTH_PATH_MAX]; /* SLUICE_REDIS_PASSWORD_FILE */
    char password[STATE_AUTH_PASSWORD_MAX];  /* SLUICE_REDIS_PASSWORD (secret) */
} state_auth_config;

/* The table entries of the three variables for a struct type_ with a state_auth_config member. */
#define STATE_AUTH_CONFIG_VARS(type_, member)                                                      \
    SLUICE_CONFIG_STR("SLUICE_REDIS_USERNAME", type_, member.username, 0, "",                      \
                      "Redis ACL user (AUTH <user> <password>); empty: the default user"),         \
        SLUICE_CONFIG_STR("SLUICE_REDIS_PASSWORD_FILE", type_, member.password_file, 0, "",        \
                          "File holding the Redis password on one line, mode 0600"),               \
        SLUICE_CONFIG_SECRET("SLUICE_REDIS_PASSWORD", type_, member.password, 0, "",               \
                             "Redis password itself (prefer SLUICE_REDIS_PASSWORD_FILE); "         \
                             "empty: none")

/* What state_redis_config's username and password get. */
typedef struct state_auth {
    char username[STATE_AUTH_NAME_MAX];     /* "" : the default user */
    char password[STATE_AUTH_PASSWORD_MAX]; /* "" : no AUTH */
} state_auth;

/*
 * Checks cfg and fills *out: the password from the file (checked private,
 * one line of 1..1024 bytes, one trailing newline dropped) or from
 * SLUICE_REDIS_PASSWORD. 0, or SLUICE_EINVAL (both a password and a file; a
 * user without a password; a malformed file), SLUICE_EDENIED (the file is
 * readable by others), SLUICE_ENOTFOUND, SLUICE_EIO, with the problem (naming
 * the variable and file, never the password) in err; *out is then wiped.
 */
int state_auth_resolve(const state_auth_config *cfg, state_auth *out, char *err, size_t errlen);

/* Overwrites *auth (the password) so it does not linger in memory. Accepts NULL. */
void state_auth_wipe(state_auth *auth);

#endif
