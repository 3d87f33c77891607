/*
 * bus_topics.c — topic names from a prefix (see bus_topics.h). Pure.
 */
#include "sluice/bus_topics.h"

#include "sluice/error.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const topics_suffixes[BUS_TOPICS_COUNT] = {
    [BUS_TOPICS_EVENTS] = "events",
    [BUS_TOPICS_REQUESTS] = "requests",
    [BUS_TOPICS_JOBS] = "jobs",
    [BUS_TOPICS_DEADLETTER] = "deadletter",
};

static bool topics_char_is_legal(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

const char *bus_topics_suffix(bus_topics_kind kind)
{
    if ((int)kind < 0 || kind >= BUS_TOPICS_COUNT) {
        return NULL;
    }
    return topics_suffixes[kind];
}

int bus_topics_validate(const char *name, char *err, size_t errlen)
{
    size_t len = strlen(name);
    if (len == 0) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "topic name is empty");
    }
    if (len > BUS_TOPICS_NAME_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "topic name is %zu characters, Kafka allows at most %d", len,
                                BUS_TOPICS_NAME_MAX);
    }
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "topic name \"%s\" is reserved", name);
    }
    for (size_t i = 0; i < len; i++) {
        if (!topics_char_is_legal(name[i])) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "topic name has an illegal character at position %zu "
                                    "(allowed: A-Z a-z 0-9 . _ -)",
                                    i + 1);
        }
    }
    return SLUICE_OK;
}

int bus_topics_init(bus_topics *topics, const char *prefix, char *err, size_t errlen)
{
    memset(topics, 0, sizeof *topics);
    if (prefix == NULL) {
        prefix = BUS_TOPICS_PREFIX_DEFAULT;
    }
    for (size_t i = 0; prefix[i] != '\0'; i++) {
        if (!topics_char_is_legal(prefix[i])) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "topic prefix has an illegal character at position %zu "
                                    "(allowed: A-Z a-z 0-9 . _ -)",
                                    i + 1);
        }
    }
    for (int kind = 0; kind < BUS_TOPICS_COUNT; kind++) {
        char *name = topics->name[kind];
        int n = snprintf(name, sizeof topics->name[kind], "%s%s", prefix, topics_suffixes[kind]);
        if (n < 0 || (size_t)n >= sizeof topics->name[kind]) {
            memset(topics, 0, sizeof *topics);
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "topic prefix is too long: \"%s\" would exceed %d characters",
                                    topics_suffixes[kind], BUS_TOPICS_NAME_MAX);
        }
    }
    return SLUICE_OK;
}

const char *bus_topics_get(const bus_topics *topics, bus_topics_kind kind)
{
    return topics->name[kind];
}
