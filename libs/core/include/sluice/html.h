/*
 * html.h — text made safe inside HTML: the one escaping function of the pages
 * Sluice serves (the approval page) and the mails it sends (the notifier's
 * HTML part). Pure; thread-safe.
 */
#ifndef SLUICE_HTML_H
#define SLUICE_HTML_H

#include "sluice/buf.h"

#include <stdbool.h>

/*
 * Appends text (NULL: nothing) to out with & < > " ' written as entities, so
 * it is safe in element content and in a quoted attribute value; with
 * newlines_as_br, each "\n" becomes "<br>". 0, or SLUICE_ETOOBIG / SLUICE_ENOMEM
 * from out (what was appended so far stays).
 */
int sluice_html_escape(sluice_buf *out, const char *text, bool newlines_as_br);

#endif
