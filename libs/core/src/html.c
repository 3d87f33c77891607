/*
 * html.c — HTML escaping (see sluice/html.h).
 */
#include "sluice/html.h"

#include <stddef.h>

int sluice_html_escape(sluice_buf *out, const char *text, bool newlines_as_br)
{
    int rc = 0;
    for (const char *p = text != NULL ? text : ""; *p != '\0' && rc == 0; p++) {
        switch (*p) {
        case '&':
            rc = sluice_buf_append_str(out, "&amp;");
            break;
        case '<':
            rc = sluice_buf_append_str(out, "&lt;");
            break;
        case '>':
            rc = sluice_buf_append_str(out, "&gt;");
            break;
        case '"':
            rc = sluice_buf_append_str(out, "&quot;");
            break;
        case '\'':
            rc = sluice_buf_append_str(out, "&#39;");
            break;
        case '\n':
            rc = newlines_as_br ? sluice_buf_append_str(out, "<br>") : sluice_buf_append(out, p, 1);
            break;
        default:
            rc = sluice_buf_append(out, p, 1);
            break;
        }
    }
    return rc;
}
