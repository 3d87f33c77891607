/*
 * web_form.h — what a browser sends besides a body of JSON: an
 * application/x-www-form-urlencoded form (WHATWG URL standard, '+' is a
 * space) and the Cookie header. Pure, no allocation, thread-safe.
 */
#ifndef SLUICE_WEB_FORM_H
#define SLUICE_WEB_FORM_H

#include <stdbool.h>
#include <stddef.h>

#define WEB_FORM_MAX_FIELDS 16   /* fields of one form body */
#define WEB_FORM_VALUE_MAX  2048 /* bytes of one decoded form name or value */

typedef struct web_form_field {
    char name[WEB_FORM_VALUE_MAX + 1];
    char value[WEB_FORM_VALUE_MAX + 1];
} web_form_field;

typedef struct web_form {
    web_form_field fields[WEB_FORM_MAX_FIELDS];
    size_t count;
} web_form; /* 64 KiB: keep it on the heap on a server thread */

/*
 * Parses a form body of len bytes (no NUL needed) into form. 0;
 * SLUICE_EPARSE (a bad %-escape, a NUL, a name twice) or SLUICE_ETOOBIG
 * (more than WEB_FORM_MAX_FIELDS fields, a name or value over
 * WEB_FORM_VALUE_MAX) with err naming the field by position ("form field 3:
 * ..."). form holds the fields before the failing one on failure.
 */
int web_form_parse(const char *body, size_t len, web_form *form, char *err, size_t errlen);

/* The value of field name, or NULL. form and the result are borrowed. */
const char *web_form_get(const web_form *form, const char *name);

/*
 * Copies the value of cookie name from a Cookie header (NULL: none) into out
 * (outlen bytes). true when found and it fits; false otherwise (out is "").
 */
bool web_cookie_get(const char *header, const char *name, char *out, size_t outlen);

#endif
