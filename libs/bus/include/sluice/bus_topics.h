/*
 * bus_topics.h — the names of Sluice's four Kafka topics.
 *
 *   <prefix>events      public state changes (CodePipeline detail-types)
 *   <prefix>requests    intents and results flowing into the orchestrator
 *   <prefix>jobs        one message per action attempt
 *   <prefix>deadletter  what could not be parsed or processed, with the reason
 *
 * The prefix is configurable (default "sluice.") so several installations can
 * share one cluster. Message keys: the pipeline name on events and requests
 * (per-pipeline order), the execution id on jobs; a dead letter keeps the key
 * of the message it wraps. Pure.
 */
#ifndef SLUICE_BUS_TOPICS_H
#define SLUICE_BUS_TOPICS_H

#include <stddef.h>

#define BUS_TOPICS_PREFIX_DEFAULT "sluice."
/* Kafka's own limit on a topic name. */
#define BUS_TOPICS_NAME_MAX 249

typedef enum bus_topics_kind {
    BUS_TOPICS_EVENTS = 0,
    BUS_TOPICS_REQUESTS,
    BUS_TOPICS_JOBS,
    BUS_TOPICS_DEADLETTER,
    BUS_TOPICS_COUNT,
} bus_topics_kind;

typedef struct bus_topics {
    char name[BUS_TOPICS_COUNT][BUS_TOPICS_NAME_MAX + 1];
} bus_topics;

/*
 * Fills topics with the four names for prefix (NULL means the default; ""
 * is allowed). 0, or SLUICE_EINVAL with a message in err when a name would be
 * too long or the prefix holds characters Kafka does not allow in topic names
 * (only ASCII letters, digits, '.', '_' and '-'); topics is then all "".
 */
int bus_topics_init(bus_topics *topics, const char *prefix, char *err, size_t errlen);

/* The name of one topic; kind must be below BUS_TOPICS_COUNT. */
const char *bus_topics_get(const bus_topics *topics, bus_topics_kind kind);

/* The suffix of a kind ("events", "requests", "jobs", "deadletter"), or NULL if out of range. */
const char *bus_topics_suffix(bus_topics_kind kind);

/*
 * Checks a complete topic name against Kafka's rules: 1..249 characters of
 * [A-Za-z0-9._-], not "." or "..". 0, or SLUICE_EINVAL with a message in err.
 */
int bus_topics_validate(const char *name, char *err, size_t errlen);

#endif
