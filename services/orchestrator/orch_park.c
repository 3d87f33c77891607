/*
 * orch_park.c — parked requests in a state's "applied" object (see
 * orch_park.h).
 */
#include "orch_park.h"

#include "sluice/error.h"

#include <string.h>

size_t orch_park_count(const json_t *applied)
{
    return json_array_size(json_object_get(applied, ORCH_PARK_KEY));
}

int orch_park_add(json_t *applied, const char *topic, int32_t partition, int64_t offset,
                  const char *envelope, size_t len)
{
    json_t *list = json_object_get(applied, ORCH_PARK_KEY);
    size_t i;
    json_t *entry;
    json_array_foreach(list, i, entry)
    {
        const char *t = json_string_value(json_object_get(entry, "topic"));
        if (t != NULL && strcmp(t, topic) == 0 &&
            json_integer_value(json_object_get(entry, "partition")) == partition &&
            json_integer_value(json_object_get(entry, "offset")) == offset) {
            return SLUICE_OK; /* delivered again: parked already */
        }
    }
    if (json_array_size(list) >= ORCH_PARK_MAX) {
        return SLUICE_ETOOBIG;
    }
    json_t *text = json_stringn(envelope, len);
    if (text == NULL) {
        return SLUICE_EPARSE; /* not UTF-8: never a valid envelope */
    }
    if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(applied, ORCH_PARK_KEY, list);
    }
    json_array_append_new(list, json_pack("{s:s, s:I, s:I, s:o}", "topic", topic, "partition",
                                          (json_int_t)partition, "offset", (json_int_t)offset,
                                          "envelope", text));
    return SLUICE_OK;
}

int orch_park_get(const json_t *applied, size_t i, const char **topic, int32_t *partition,
                  int64_t *offset, const char **envelope, size_t *len)
{
    json_t *list = json_object_get(applied, ORCH_PARK_KEY);
    if (i >= json_array_size(list)) {
        return SLUICE_ERANGE;
    }
    json_t *entry = json_array_get(list, i);
    json_t *t = json_object_get(entry, "topic");
    json_t *p = json_object_get(entry, "partition");
    json_t *o = json_object_get(entry, "offset");
    json_t *e = json_object_get(entry, "envelope");
    if (!json_is_string(t) || !json_is_integer(p) || !json_is_integer(o) || !json_is_string(e)) {
        return SLUICE_EPARSE;
    }
    *topic = json_string_value(t);
    *partition = (int32_t)json_integer_value(p);
    *offset = json_integer_value(o);
    *envelope = json_string_value(e);
    *len = json_string_length(e);
    return SLUICE_OK;
}

void orch_park_drop(json_t *applied, size_t n)
{
    json_t *list = json_object_get(applied, ORCH_PARK_KEY);
    if (list == NULL) {
        return;
    }
    for (size_t i = 0; i < n && json_array_size(list) > 0; i++) {
        json_array_remove(list, 0);
    }
    if (json_array_size(list) == 0) {
        json_object_del(applied, ORCH_PARK_KEY);
    }
}
