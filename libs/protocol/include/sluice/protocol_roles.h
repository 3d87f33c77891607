/*
 * protocol_roles.h — the one role table: what each role of an identity
 * (SLUICE_API_CREDENTIALS) may do, by class of operation.
 *
 *   role      read  operate  approve  job  admin
 *   viewer     x
 *   operator   x      x
 *   approver   x               x
 *   worker     x                       x
 *   admin      x      x        x       x     x
 *
 * The api authorizes every call with it (api_auth.h names the operations of
 * each class); the console shows a person only the buttons it allows. Pure
 * and thread-safe.
 */
#ifndef SLUICE_PROTOCOL_ROLES_H
#define SLUICE_PROTOCOL_ROLES_H

#include <stdbool.h>

typedef enum protocol_role_class {
    PROTOCOL_ROLE_READ = 0,
    PROTOCOL_ROLE_OPERATE,
    PROTOCOL_ROLE_APPROVE,
    PROTOCOL_ROLE_JOB,
    PROTOCOL_ROLE_ADMIN,
} protocol_role_class;

/* True for the roles above (exact, lowercase). */
bool protocol_role_known(const char *role);

/* True when role may call operations of class cls; false for unknown roles (and NULL). */
bool protocol_role_allows(const char *role, protocol_role_class cls);

/* The class name ("read", "operate", ...); never NULL. */
const char *protocol_role_class_name(protocol_role_class cls);

/* The known roles, comma-separated, for messages. */
const char *protocol_role_names(void);

#endif
