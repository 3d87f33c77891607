/*
 * art_xml.c — S3 XML through libxml2 (see art_xml.h). Writing uses
 * xmlTextWriter on an xmlBuffer; reading uses xmlReadMemory with
 * XML_PARSE_NONET (no network), no XML_PARSE_NOENT / DTDLOAD (no entity
 * substitution or external DTDs) and XML_PARSE_NOBLANKS.
 */
#include "art_xml.h"

#include "sluice/error.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XML_NS "http://s3.amazonaws.com/doc/2006-03-01/"

struct art_xml {
    xmlBufferPtr buffer;
    xmlTextWriterPtr writer;
    bool failed;
};

static const xmlChar *xml_c(const char *s)
{
    return (const xmlChar *)s;
}

art_xml *art_xml_new(const char *root)
{
    art_xml *x = calloc(1, sizeof *x);
    if (x == NULL) {
        return NULL;
    }
    x->buffer = xmlBufferCreate();
    x->writer = x->buffer != NULL ? xmlNewTextWriterMemory(x->buffer, 0) : NULL;
    if (x->writer == NULL) {
        art_xml_free(x);
        return NULL;
    }
    if (xmlTextWriterStartDocument(x->writer, "1.0", "UTF-8", NULL) < 0 ||
        xmlTextWriterStartElement(x->writer, xml_c(root)) < 0 ||
        (strcmp(root, "Error") != 0 &&
         xmlTextWriterWriteAttribute(x->writer, xml_c("xmlns"), xml_c(XML_NS)) < 0)) {
        x->failed = true;
    }
    return x;
}

void art_xml_free(art_xml *x)
{
    if (x == NULL) {
        return;
    }
    if (x->writer != NULL) {
        xmlFreeTextWriter(x->writer);
    }
    if (x->buffer != NULL) {
        xmlBufferFree(x->buffer);
    }
    free(x);
}

void art_xml_open(art_xml *x, const char *name)
{
    if (!x->failed && xmlTextWriterStartElement(x->writer, xml_c(name)) < 0) {
        x->failed = true;
    }
}

void art_xml_close(art_xml *x)
{
    if (!x->failed && xmlTextWriterEndElement(x->writer) < 0) {
        x->failed = true;
    }
}

void art_xml_text(art_xml *x, const char *name, const char *text)
{
    if (!x->failed && xmlTextWriterWriteElement(x->writer, xml_c(name), xml_c(text)) < 0) {
        x->failed = true;
    }
}

void art_xml_textf(art_xml *x, const char *name, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    art_xml_text(x, name, text);
}

int art_xml_finish(art_xml *x, sluice_buf *out)
{
    int rc = SLUICE_OK;
    if (x->failed || xmlTextWriterEndDocument(x->writer) < 0) {
        rc = SLUICE_ENOMEM;
    }
    if (rc == SLUICE_OK) {
        xmlFreeTextWriter(x->writer); /* flushes into the buffer */
        x->writer = NULL;
        rc =
            sluice_buf_append(out, xmlBufferContent(x->buffer), (size_t)xmlBufferLength(x->buffer));
    }
    art_xml_free(x);
    return rc;
}

int art_xml_error(const char *code, const char *message, const char *resource,
                  const char *request_id, sluice_buf *out)
{
    art_xml *x = art_xml_new("Error");
    if (x == NULL) {
        return SLUICE_ENOMEM;
    }
    art_xml_text(x, "Code", code);
    art_xml_text(x, "Message", message);
    if (resource != NULL && resource[0] != '\0') {
        art_xml_text(x, "Resource", resource);
    }
    art_xml_text(x, "RequestId", request_id != NULL ? request_id : "");
    return art_xml_finish(x, out);
}

/* ------------------------------------------------------------------ parsing */

static xmlDocPtr xml_read(const char *body, size_t len, const char *root, xmlNodePtr *top,
                          char *err, size_t errlen, int *rc)
{
    *top = NULL;
    if (len > ART_XML_BODY_MAX) {
        *rc = sluice_error_set(err, errlen, SLUICE_ETOOBIG, "the XML body exceeds %d bytes",
                               ART_XML_BODY_MAX);
        return NULL;
    }
    if (len == 0) {
        *rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "the XML body is empty");
        return NULL;
    }
    xmlDocPtr doc = xmlReadMemory(body, (int)len, NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                                      XML_PARSE_NOWARNING);
    xmlNodePtr node = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
    if (node == NULL || strcmp((const char *)node->name, root) != 0) {
        if (doc != NULL) {
            xmlFreeDoc(doc);
        }
        *rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                               "The XML you provided was not well-formed or did not validate "
                               "against our published schema");
        return NULL;
    }
    *top = node;
    *rc = SLUICE_OK;
    return doc;
}

/* The text of child element name of node (first one), copied into out; false when absent or too
 * long. */
static bool xml_child_text(xmlNodePtr node, const char *name, char *out, size_t outlen)
{
    for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0) {
            xmlChar *text = xmlNodeGetContent(c);
            if (text == NULL) {
                return false;
            }
            size_t n = strlen((const char *)text);
            bool ok = n < outlen;
            if (ok) {
                memcpy(out, text, n + 1);
            }
            xmlFree(text);
            return ok;
        }
    }
    return false;
}

int art_xml_parse_complete(const char *body, size_t len, art_xml_part *parts, size_t max,
                           size_t *count, char *err, size_t errlen)
{
    *count = 0;
    int rc = SLUICE_OK;
    xmlNodePtr top = NULL;
    xmlDocPtr doc = xml_read(body, len, "CompleteMultipartUpload", &top, err, errlen, &rc);
    if (doc == NULL) {
        return rc;
    }
    for (xmlNodePtr c = top->children; c != NULL && rc == SLUICE_OK; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "Part") != 0) {
            continue;
        }
        if (*count >= max) {
            rc = sluice_error_set(err, errlen, SLUICE_ETOOBIG, "more than %zu parts", max);
            break;
        }
        char number[16];
        art_xml_part *part = &parts[*count];
        if (!xml_child_text(c, "PartNumber", number, sizeof number) ||
            !xml_child_text(c, "ETag", part->etag, sizeof part->etag)) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                                  "every Part needs a PartNumber and an ETag");
            break;
        }
        char *end = NULL;
        unsigned long n = strtoul(number, &end, 10);
        if (end == number || *end != '\0' || n < 1 || n > ART_XML_PARTS_MAX) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                                  "Part number must be an integer between 1 and 10000");
            break;
        }
        part->number = (unsigned)n;
        (*count)++;
    }
    if (rc == SLUICE_OK && *count == 0) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "You must specify at least one part");
    }
    xmlFreeDoc(doc);
    return rc;
}

int art_xml_parse_delete(const char *body, size_t len, art_xml_delete_item *items, size_t max,
                         size_t *count, bool *quiet, char *err, size_t errlen)
{
    *count = 0;
    *quiet = false;
    int rc = SLUICE_OK;
    xmlNodePtr top = NULL;
    xmlDocPtr doc = xml_read(body, len, "Delete", &top, err, errlen, &rc);
    if (doc == NULL) {
        return rc;
    }
    char flag[8];
    if (xml_child_text(top, "Quiet", flag, sizeof flag)) {
        *quiet = strcmp(flag, "true") == 0;
    }
    for (xmlNodePtr c = top->children; c != NULL && rc == SLUICE_OK; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "Object") != 0) {
            continue;
        }
        if (*count >= max) {
            rc = sluice_error_set(err, errlen, SLUICE_ETOOBIG, "more than %zu keys", max);
            break;
        }
        art_xml_delete_item *item = &items[*count];
        if (!xml_child_text(c, "Key", item->key, sizeof item->key) || item->key[0] == '\0') {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "every Object needs a Key");
            break;
        }
        if (!xml_child_text(c, "VersionId", item->version_id, sizeof item->version_id)) {
            item->version_id[0] = '\0';
        }
        (*count)++;
    }
    if (rc == SLUICE_OK && *count == 0) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "no Object to delete");
    }
    xmlFreeDoc(doc);
    return rc;
}

int art_xml_parse_versioning(const char *body, size_t len, char status[16], char *err,
                             size_t errlen)
{
    status[0] = '\0';
    int rc = SLUICE_OK;
    xmlNodePtr top = NULL;
    xmlDocPtr doc = xml_read(body, len, "VersioningConfiguration", &top, err, errlen, &rc);
    if (doc == NULL) {
        return rc;
    }
    if (!xml_child_text(top, "Status", status, 16) ||
        (strcmp(status, "Enabled") != 0 && strcmp(status, "Suspended") != 0)) {
        status[0] = '\0';
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "Status must be Enabled or Suspended");
    }
    xmlFreeDoc(doc);
    return rc;
}
