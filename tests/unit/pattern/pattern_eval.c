/*
 * pattern_eval.c — reads JSON lines {"pattern": P, "event": E} on standard
 * input and prints one verdict per line: "true", "false" or "invalid <reason>".
 * The same protocol as tests/oracle/EventRulerOracle.java, so the two can be
 * compared line by line.
 */
#include "sluice/pattern.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (n <= 1) {
            continue;
        }
        json_error_t jerr;
        json_t *doc = json_loadb(line, (size_t)n, JSON_DECODE_INT_AS_REAL, &jerr);
        if (doc == NULL) {
            fprintf(stderr, "pattern_eval: bad input line: %s\n", jerr.text);
            free(line);
            return 2;
        }
        pattern *p = NULL;
        char err[768];
        if (pattern_compile_json(json_object_get(doc, "pattern"), &p, err, sizeof err) != 0) {
            printf("invalid %s\n", err);
        } else {
            printf("%s\n", pattern_match(p, json_object_get(doc, "event")) ? "true" : "false");
        }
        pattern_free(p);
        json_decref(doc);
    }
    free(line);
    return 0;
}
