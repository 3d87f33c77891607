/*
 * con_assets.h — the console's front end (services/console/static/: an HTML
 * page, JavaScript modules and CSS), compiled into the binary at build time
 * (embed-assets.cmake writes con_assets.c), so nothing is read from disk or
 * fetched at run time.
 */
#ifndef SLUICE_CON_ASSETS_H
#define SLUICE_CON_ASSETS_H

#include <stddef.h>

typedef struct con_asset {
    const char *name;         /* file name under static/, e.g. "console.js" */
    const char *content_type; /* by extension */
    const unsigned char *bytes;
    size_t len;
} con_asset;

extern const con_asset con_assets[];
extern const size_t con_assets_count;

/* The asset named name, or NULL. */
const con_asset *con_assets_find(const char *name);

#endif
