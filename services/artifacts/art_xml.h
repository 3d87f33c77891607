/*
 * art_xml.h — S3's XML, written and read with libxml2 (never by hand): a small
 * writer for response documents (every element in S3's namespace, text
 * escaped by libxml2), the error document, and the request bodies S3 takes
 * (CompleteMultipartUpload, Delete, VersioningConfiguration), parsed without
 * network access, DTD loading or entity substitution and bounded in size.
 * xmlInitParser must have run (main does it) before threads use this module;
 * then it is thread-safe, one writer per thread.
 */
#ifndef ART_XML_H
#define ART_XML_H

#include "art_digest.h"
#include "art_keypath.h"

#include "sluice/buf.h"

#include <stdbool.h>
#include <stddef.h>

#define ART_XML_BODY_MAX    (2 * 1024 * 1024) /* bytes of an XML request body */
#define ART_XML_PARTS_MAX   10000             /* parts in a multipart upload, as S3 */
#define ART_XML_DELETE_MAX  1000              /* keys in one DeleteObjects, as S3 */
#define ART_XML_VERSION_MAX 64

typedef struct art_xml art_xml;

/* A document with root element root (S3's namespace). NULL on out of memory. */
art_xml *art_xml_new(const char *root);

/* Opens a child element; close it with art_xml_close. */
void art_xml_open(art_xml *x, const char *name);
void art_xml_close(art_xml *x);

/* <name>text</name>, text escaped. */
void art_xml_text(art_xml *x, const char *name, const char *text);
void art_xml_textf(art_xml *x, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Ends the document, appends it to out and frees x. 0, or SLUICE_ENOMEM / SLUICE_ETOOBIG. */
int art_xml_finish(art_xml *x, sluice_buf *out);

/* Frees an unfinished document. Accepts NULL. */
void art_xml_free(art_xml *x);

/* Appends S3's <Error> document. 0 or SLUICE_ENOMEM / SLUICE_ETOOBIG. */
int art_xml_error(const char *code, const char *message, const char *resource,
                  const char *request_id, sluice_buf *out);

typedef struct art_xml_part {
    unsigned number;
    char etag[ART_DIGEST_ETAG_MAX];
} art_xml_part;

/*
 * Parses <CompleteMultipartUpload><Part><PartNumber>n</PartNumber><ETag>e</ETag>
 * </Part>...</CompleteMultipartUpload> into parts[0..*count) in document order
 * (ordering is the caller's check). 0, or SLUICE_EPARSE (malformed, unknown
 * root, a part without number or ETag, a number outside 1..10000),
 * SLUICE_ETOOBIG (more than max parts or body over ART_XML_BODY_MAX); err says which.
 */
int art_xml_parse_complete(const char *body, size_t len, art_xml_part *parts, size_t max,
                           size_t *count, char *err, size_t errlen);

typedef struct art_xml_delete_item {
    char key[ART_KEYPATH_KEY_MAX + 1];
    char version_id[ART_XML_VERSION_MAX + 1];
} art_xml_delete_item;

/* Parses <Delete><Quiet>?</Quiet><Object><Key>k</Key>[<VersionId>]</Object>...</Delete>. */
int art_xml_parse_delete(const char *body, size_t len, art_xml_delete_item *items, size_t max,
                         size_t *count, bool *quiet, char *err, size_t errlen);

/* Parses <VersioningConfiguration><Status>Enabled|Suspended</Status>. status gets the value. */
int art_xml_parse_versioning(const char *body, size_t len, char status[16], char *err,
                             size_t errlen);

#endif
