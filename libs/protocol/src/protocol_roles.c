/*
 * protocol_roles.c — the role table (see protocol_roles.h).
 */
#include "sluice/protocol_roles.h"

#include <stddef.h>
#include <string.h>

#define PROTOCOL_ROLE_BIT(cls) (1u << (unsigned)(cls))

typedef struct protocol_role {
    const char *name;
    unsigned classes;
} protocol_role;

static const protocol_role protocol_role_table[] = {
    {"viewer", PROTOCOL_ROLE_BIT(PROTOCOL_ROLE_READ)},
    {"operator", PROTOCOL_ROLE_BIT(PROTOCOL_ROLE_READ) | PROTOCOL_ROLE_BIT(PROTOCOL_ROLE_OPERATE)},
    {"approver", PROTOCOL_ROLE_BIT(PROTOCOL_ROLE_READ) | PROTOCOL_ROLE_BIT(PROTOCOL_ROLE_APPROVE)},
    {"worker", PROTOCOL_ROLE_BIT(PROTOCOL_ROLE_READ) | PROTOCOL_ROLE_BIT(PROTOCOL_ROLE_JOB)},
    {"admin", PROTOCOL_ROLE_BIT(PROTOCOL_ROLE_READ) | PROTOCOL_ROLE_BIT(PROTOCOL_ROLE_OPERATE) |
                  PROTOCOL_ROLE_BIT(PROTOCOL_ROLE_APPROVE) | PROTOCOL_ROLE_BIT(PROTOCOL_ROLE_JOB) |
                  PROTOCOL_ROLE_BIT(PROTOCOL_ROLE_ADMIN)},
};

static const protocol_role *protocol_role_find(const char *role)
{
    if (role == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof protocol_role_table / sizeof protocol_role_table[0]; i++) {
        if (strcmp(protocol_role_table[i].name, role) == 0) {
            return &protocol_role_table[i];
        }
    }
    return NULL;
}

bool protocol_role_known(const char *role)
{
    return protocol_role_find(role) != NULL;
}

bool protocol_role_allows(const char *role, protocol_role_class cls)
{
    const protocol_role *entry = protocol_role_find(role);
    return entry != NULL && (entry->classes & PROTOCOL_ROLE_BIT(cls)) != 0;
}

const char *protocol_role_class_name(protocol_role_class cls)
{
    switch (cls) {
    case PROTOCOL_ROLE_READ:
        return "read";
    case PROTOCOL_ROLE_OPERATE:
        return "operate";
    case PROTOCOL_ROLE_APPROVE:
        return "approve";
    case PROTOCOL_ROLE_JOB:
        return "job";
    case PROTOCOL_ROLE_ADMIN:
        return "admin";
    }
    return "unknown";
}

const char *protocol_role_names(void)
{
    return "viewer, operator, approver, worker, admin";
}
