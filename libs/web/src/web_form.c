/*
 * web_form.c — form bodies and cookies (see web_form.h). Form bodies follow
 * the WHATWG URL standard's application/x-www-form-urlencoded parser.
 */
#include "sluice/web_form.h"

#include "sluice/error.h"
#include "sluice/hex.h"

#include <string.h>

/* Decodes bytes [p, end) of a form name or value into out. 0, SLUICE_EPARSE or SLUICE_ETOOBIG. */
static int web_form_decode(const char *p, const char *end, char *out)
{
    size_t n = 0;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '+') {
            c = ' ';
            p++;
        } else if (c == '%') {
            if (end - p < 3 || sluice_hex_value(p[1]) < 0 || sluice_hex_value(p[2]) < 0) {
                return SLUICE_EPARSE;
            }
            c = (unsigned char)(sluice_hex_value(p[1]) * 16 + sluice_hex_value(p[2]));
            p += 3;
        } else {
            p++;
        }
        if (c == '\0') {
            return SLUICE_EPARSE;
        }
        if (n >= WEB_FORM_VALUE_MAX) {
            return SLUICE_ETOOBIG;
        }
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return 0;
}

int web_form_parse(const char *body, size_t len, web_form *form, char *err, size_t errlen)
{
    form->count = 0;
    const char *p = body;
    const char *end = body + len;
    size_t index = 0;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp != NULL ? amp : end;
        index++;
        if (stop > p) {
            if (form->count >= WEB_FORM_MAX_FIELDS) {
                return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                        "form field %zu: more than %d fields", index,
                                        WEB_FORM_MAX_FIELDS);
            }
            web_form_field *f = &form->fields[form->count];
            const char *eq = memchr(p, '=', (size_t)(stop - p));
            const char *name_end = eq != NULL ? eq : stop;
            int rc = web_form_decode(p, name_end, f->name);
            if (rc == 0) {
                rc = eq != NULL ? web_form_decode(eq + 1, stop, f->value) : 0;
                if (eq == NULL) {
                    f->value[0] = '\0';
                }
            }
            if (rc != 0) {
                return sluice_error_set(err, errlen, rc, "form field %zu: %s", index,
                                        rc == SLUICE_ETOOBIG ? "longer than 2048 bytes"
                                                             : "a bad %-escape or a NUL");
            }
            if (web_form_get(form, f->name) != NULL) {
                return sluice_error_set(err, errlen, SLUICE_EPARSE, "form field %zu: a name twice",
                                        index);
            }
            form->count++;
        }
        p = amp != NULL ? amp + 1 : end;
    }
    return 0;
}

const char *web_form_get(const web_form *form, const char *name)
{
    for (size_t i = 0; i < form->count; i++) {
        if (strcmp(form->fields[i].name, name) == 0) {
            return form->fields[i].value;
        }
    }
    return NULL;
}

bool web_cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
    if (outlen > 0) {
        out[0] = '\0';
    }
    if (header == NULL || outlen == 0) {
        return false;
    }
    size_t nlen = strlen(name);
    const char *p = header;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ';') {
            p++;
        }
        const char *semi = strchr(p, ';');
        size_t len = semi != NULL ? (size_t)(semi - p) : strlen(p);
        if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            size_t vlen = len - nlen - 1;
            while (vlen > 0 && (p[nlen + 1 + vlen - 1] == ' ' || p[nlen + 1 + vlen - 1] == '\t')) {
                vlen--;
            }
            if (vlen + 1 > outlen) {
                return false;
            }
            memcpy(out, p + nlen + 1, vlen);
            out[vlen] = '\0';
            return true;
        }
        p += len;
    }
    return false;
}
