/*
 * bus_admin.h — creating Sluice's topics explicitly, with the partition count
 * wanted, instead of relying on a broker's auto-creation.
 *
 * Blocking; uses a short-lived librdkafka handle of its own (logs routed into
 * Sluice's logger). Callable from any thread.
 */
#ifndef SLUICE_BUS_ADMIN_H
#define SLUICE_BUS_ADMIN_H

#include "sluice/bus_security.h"

#include <stddef.h>

/*
 * Creates each of the ntopics topics with partitions partitions and the
 * given replication factor, then waits until the broker's metadata lists
 * every one of them with all its partitions, so producers and consumers
 * created afterwards see them at once. A topic that already exists counts as
 * created (its partition count is left as it is). Returns 0; SLUICE_EINVAL for
 * bad arguments; SLUICE_EKAFKA with the broker's reason (naming the topic) in
 * err; SLUICE_ETIMEDOUT when creation or metadata took longer than timeout_ms.
 */
int bus_admin_create_topics(const char *brokers, const char *const *topics, size_t ntopics,
                            int partitions, int replication_factor, int timeout_ms, char *err,
                            size_t errlen);

/*
 * bus_admin_create_topics with the security settings sec (NULL: PLAINTEXT).
 * A broker that refuses the client — authentication failed, creating or
 * describing a topic not authorized — ends the call at once (not at the
 * timeout) with SLUICE_EDENIED and the broker's reason in err.
 */
int bus_admin_create_topics_secure(const char *brokers, const bus_security *sec,
                                   const char *const *topics, size_t ntopics, int partitions,
                                   int replication_factor, int timeout_ms, char *err,
                                   size_t errlen);

#endif
