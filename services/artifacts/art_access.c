/*
 * art_access.c — the role table of art_access.h.
 */
#include "art_access.h"

#include <stddef.h>
#include <string.h>

typedef struct access_role {
    const char *name;
    unsigned classes; /* bit (1 << art_access_class) */
} access_role;

#define ACCESS_BIT(c) (1u << (c))

static const access_role access_roles[] = {
    {"viewer", ACCESS_BIT(ART_ACCESS_READ)},
    {"approver", ACCESS_BIT(ART_ACCESS_READ)},
    {"worker", ACCESS_BIT(ART_ACCESS_READ)},
    {"operator", ACCESS_BIT(ART_ACCESS_READ) | ACCESS_BIT(ART_ACCESS_WRITE)},
    {"admin",
     ACCESS_BIT(ART_ACCESS_READ) | ACCESS_BIT(ART_ACCESS_WRITE) | ACCESS_BIT(ART_ACCESS_MANAGE)},
};

art_access_class art_access_class_of(art_route_op op)
{
    switch (op) {
    case ART_OP_LIST_BUCKETS:
    case ART_OP_HEAD_BUCKET:
    case ART_OP_GET_BUCKET_LOCATION:
    case ART_OP_GET_BUCKET_VERSIONING:
    case ART_OP_LIST_OBJECTS:
    case ART_OP_LIST_OBJECTS_V2:
    case ART_OP_LIST_OBJECT_VERSIONS:
    case ART_OP_LIST_MULTIPART_UPLOADS:
    case ART_OP_LIST_PARTS:
    case ART_OP_GET_OBJECT:
    case ART_OP_HEAD_OBJECT:
        return ART_ACCESS_READ;
    case ART_OP_PUT_OBJECT:
    case ART_OP_COPY_OBJECT:
    case ART_OP_DELETE_OBJECT:
    case ART_OP_DELETE_OBJECTS:
    case ART_OP_CREATE_MULTIPART_UPLOAD:
    case ART_OP_UPLOAD_PART:
    case ART_OP_UPLOAD_PART_COPY:
    case ART_OP_COMPLETE_MULTIPART_UPLOAD:
    case ART_OP_ABORT_MULTIPART_UPLOAD:
        return ART_ACCESS_WRITE;
    case ART_OP_CREATE_BUCKET:
    case ART_OP_DELETE_BUCKET:
    case ART_OP_PUT_BUCKET_VERSIONING:
    case ART_OP_UNKNOWN:
    case ART_OP_COUNT:
        return ART_ACCESS_MANAGE;
    }
    return ART_ACCESS_MANAGE;
}

bool art_access_allows(const char *role, art_route_op op)
{
    if (role == NULL) {
        return false;
    }
    unsigned need = ACCESS_BIT(art_access_class_of(op));
    for (size_t i = 0; i < sizeof access_roles / sizeof access_roles[0]; i++) {
        if (strcmp(access_roles[i].name, role) == 0) {
            return (access_roles[i].classes & need) != 0;
        }
    }
    return false;
}
