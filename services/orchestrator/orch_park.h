/*
 * orch_park.h — requests of a pipeline parked in its own state while they
 * wait, so they hold back only that pipeline: the consumer stores their
 * offsets and the partition's other pipelines go on.
 *
 * The parked requests live in the state document's "applied" object, beside
 * the offsets applied per source, as "parked": [{"topic","partition",
 * "offset","envelope"}, ...] in arrival order. They are written with the
 * pipeline record in the same compare-and-set as everything else, so a
 * request is either parked (and its offset may be committed) or not (and
 * Kafka delivers it again): nothing is lost in a crash. While a pipeline has
 * parked requests, its new ones are parked behind them, so its order holds;
 * when it can move again, the parked ones are stepped first and dropped from
 * the list in the save that applies them. A request parked twice (delivered
 * again after a crash before its offset was committed) is recognised by its
 * topic, partition and offset.
 *
 * Offsets: a request's offset may be stored once it is applied, rejected or
 * parked — all durable —; only a RETRY (nothing durable about it) holds its
 * partition back.
 *
 * Pure JSON manipulation: no I/O. Single-threaded.
 */
#ifndef SLUICE_ORCH_PARK_H
#define SLUICE_ORCH_PARK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ORCH_PARK_MAX  1000 /* parked requests a pipeline may hold */
#define ORCH_PARK_TAKE 256  /* parked requests stepped at once */
#define ORCH_PARK_KEY  "parked"

/* The number of parked requests in applied. */
size_t orch_park_count(const json_t *applied);

/*
 * Parks one request (its envelope's text, copied) at the end of applied's
 * list. 0 when parked or already parked (the same topic, partition and
 * offset); SLUICE_ETOOBIG when ORCH_PARK_MAX are parked (nothing changes).
 */
int orch_park_add(json_t *applied, const char *topic, int32_t partition, int64_t offset,
                  const char *envelope, size_t len);

/*
 * Parked request i (0 the oldest): 0 with its fields (borrowed from applied,
 * valid until it changes); SLUICE_ERANGE past the end; SLUICE_EPARSE when
 * the entry is not a parked request.
 */
int orch_park_get(const json_t *applied, size_t i, const char **topic, int32_t *partition,
                  int64_t *offset, const char **envelope, size_t *len);

/* Drops the n oldest parked requests (all when n ≥ the count; the key goes when none is left). */
void orch_park_drop(json_t *applied, size_t n);

#endif
