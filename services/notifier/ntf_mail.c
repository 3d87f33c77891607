/*
 * ntf_mail.c — RFC 5322 / MIME rendering (see ntf_mail.h).
 */
#include "ntf_mail.h"

#include "sluice/error.h"
#include "sluice/html.h"
#include "sluice/time.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NTF_MAIL_B64_LINE 76 /* RFC 2045 */
#define NTF_MAIL_WORD_RAW 45 /* bytes per encoded word: 60 base64 characters, 72 with the frame */

static bool ntf_mail_plain(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p < 0x20 || *p > 0x7e) {
            return false;
        }
    }
    return true;
}

/* Bytes of the UTF-8 character at p (a character never splits between words). */
static size_t ntf_mail_char(const unsigned char *p)
{
    size_t n = 1;
    while (p[n] != '\0' && (p[n] & 0xc0) == 0x80 && n < 4) {
        n++;
    }
    return n;
}

int ntf_mail_encode_header(const char *text, sluice_buf *out)
{
    if (ntf_mail_plain(text)) {
        return sluice_buf_append_str(out, text);
    }
    const unsigned char *p = (const unsigned char *)text;
    bool first = true;
    int rc = 0;
    while (*p != '\0' && rc == 0) {
        size_t take = 0;
        while (p[take] != '\0') {
            size_t step = ntf_mail_char(p + take);
            if (take + step > NTF_MAIL_WORD_RAW) {
                break;
            }
            take += step;
        }
        unsigned char raw[NTF_MAIL_WORD_RAW + 4];
        for (size_t i = 0; i < take; i++) {
            raw[i] = (p[i] == '\r' || p[i] == '\n') ? ' ' : p[i];
        }
        unsigned char b64[((NTF_MAIL_WORD_RAW + 4 + 2) / 3) * 4 + 1];
        EVP_EncodeBlock(b64, raw, (int)take);
        rc = sluice_buf_appendf(out, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", (const char *)b64);
        first = false;
        p += take;
    }
    return rc;
}

/* A header value from event data: CR, LF and other controls become spaces. */
static int ntf_mail_value(sluice_buf *out, const char *text)
{
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0' && rc == 0; p++) {
        char c = (*p < 0x20 || *p == 0x7f) ? ' ' : (char)*p;
        rc = sluice_buf_append(out, &c, 1);
    }
    return rc;
}

/* Appends data as base64 in lines of 76 characters, CRLF-terminated. */
static int ntf_mail_base64(sluice_buf *out, const char *data, size_t len)
{
    const size_t chunk = NTF_MAIL_B64_LINE / 4 * 3; /* 57 bytes -> 76 characters */
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        unsigned char line[NTF_MAIL_B64_LINE + 4];
        EVP_EncodeBlock(line, (const unsigned char *)data + off, (int)n);
        rc = sluice_buf_appendf(out, "%s\r\n", (const char *)line);
    }
    return rc;
}

/* The id-safe form of a target name: letters and digits, others '-'. */
static void ntf_mail_token(const char *name, char *out, size_t outlen)
{
    size_t i = 0;
    for (; name[i] != '\0' && i + 1 < outlen; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        out[i] = ok ? c : '-';
    }
    out[i] = '\0';
}

static void ntf_mail_line(sluice_buf *text, sluice_buf *html, const char *label, const char *value)
{
    if (value[0] == '\0') {
        return;
    }
    (void)sluice_buf_appendf(text, "%s: %s\n", label, value);
    (void)sluice_buf_appendf(html, "<tr><th align=\"left\">%s</th><td>", label);
    (void)sluice_html_escape(html, value, true);
    (void)sluice_buf_append_str(html, "</td></tr>\n");
}

static void ntf_mail_bodies(const ntf_facts *f, sluice_buf *text, sluice_buf *html)
{
    (void)sluice_buf_appendf(text, "%s\n\n", f->title);
    (void)sluice_buf_append_str(html, "<!DOCTYPE html>\n<html><body>\n<h2 style=\"color:");
    (void)sluice_buf_appendf(html, "%s\">", ntf_message_colour(f->level));
    (void)sluice_html_escape(html, f->title, true);
    (void)sluice_buf_append_str(html, "</h2>\n<table>\n");
    ntf_mail_line(text, html, "Pipeline", f->pipeline);
    ntf_mail_line(text, html, "Execution", f->execution_id);
    ntf_mail_line(text, html, "Stage", f->stage);
    ntf_mail_line(text, html, "Action", f->action);
    ntf_mail_line(text, html, "State", f->state);
    ntf_mail_line(text, html, "Time", f->time);
    ntf_mail_line(text, html, "Duration", f->duration);
    ntf_mail_line(text, html, "Revision", f->revision);
    ntf_mail_line(text, html, "Commit", f->revision_summary);
    ntf_mail_line(text, html, "Failure", f->failure);
    (void)sluice_buf_append_str(html, "</table>\n");
    if (f->ndigest > 0) {
        (void)sluice_buf_append_str(text, "\nWhat happened:\n");
        (void)sluice_buf_append_str(html, "<p>What happened:</p>\n<ul>\n");
        for (size_t i = 0; i < f->ndigest; i++) {
            (void)sluice_buf_appendf(text, "  - %s\n", f->digest[i]);
            (void)sluice_buf_append_str(html, "<li>");
            (void)sluice_html_escape(html, f->digest[i], true);
            (void)sluice_buf_append_str(html, "</li>\n");
        }
        (void)sluice_buf_append_str(html, "</ul>\n");
    }
    if (f->approval_url[0] != '\0' && f->approver[0] != '\0') {
        char until[40] = "";
        (void)sluice_time_format_rfc3339(f->link_expires_ms, until, sizeof until);
        (void)sluice_buf_appendf(text,
                                 "\nDecide: %s\n\nThis link is yours, %s: it opens the approval "
                                 "page and votes as you, once, until %s. Do not forward it.\n",
                                 f->approval_url, f->approver, until);
        (void)sluice_buf_append_str(html, "<p><a href=\"");
        (void)sluice_html_escape(html, f->approval_url, true);
        (void)sluice_buf_append_str(html, "\">Open the approval page</a></p>\n<p>This link is "
                                          "yours, ");
        (void)sluice_html_escape(html, f->approver, true);
        (void)sluice_buf_appendf(html,
                                 ": it opens the approval page and votes as you, once, until %s. "
                                 "Do not forward it.</p>\n",
                                 until);
    } else if (f->approval_url[0] != '\0') {
        (void)sluice_buf_appendf(text, "\nDecide: %s\n", f->approval_url);
        (void)sluice_buf_append_str(html, "<p><a href=\"");
        (void)sluice_html_escape(html, f->approval_url, true);
        (void)sluice_buf_append_str(html, "\">Open the approval page</a></p>\n");
    }
    if (f->execution_url[0] != '\0') {
        (void)sluice_buf_appendf(text, "\nExecution: %s\n", f->execution_url);
        (void)sluice_buf_append_str(html, "<p><a href=\"");
        (void)sluice_html_escape(html, f->execution_url, true);
        (void)sluice_buf_append_str(html, "\">Open the execution</a></p>\n");
    }
    if (f->cli[0] != '\0') {
        (void)sluice_buf_appendf(text, "\n%s\n", f->cli);
        (void)sluice_buf_append_str(html, "<pre>");
        (void)sluice_html_escape(html, f->cli, true);
        (void)sluice_buf_append_str(html, "</pre>\n");
    }
    (void)sluice_buf_appendf(text, "\nEvent %s\n", f->event_id);
    (void)sluice_buf_append_str(html, "<p style=\"color:#888\">Event ");
    (void)sluice_html_escape(html, f->event_id, true);
    (void)sluice_buf_append_str(html, "</p>\n</body></html>\n");
}

int ntf_mail_render(const ntf_facts *f, const ntf_target *t, const char *domain, int64_t now_ms,
                    sluice_buf *out)
{
    char date[64];
    time_t secs = (time_t)(now_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    snprintf(date, sizeof date, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    char token[80];
    ntf_mail_token(t->name, token, sizeof token);
    char boundary[128];
    snprintf(boundary, sizeof boundary, "=_sluice_%s", f->event_id);

    int rc = sluice_buf_appendf(out, "Date: %s\r\nFrom: ", date);
    rc = rc != 0 ? rc : ntf_mail_value(out, t->from);
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "\r\nTo: ");
    for (size_t i = 0; rc == 0 && i < t->nto; i++) {
        rc = i > 0 ? sluice_buf_append_str(out, ",\r\n ") : 0;
        rc = rc != 0 ? rc : ntf_mail_value(out, t->to[i]);
    }
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "\r\nSubject: ");
    rc = rc != 0 ? rc : ntf_mail_encode_header(f->subject, out);
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "\r\nMessage-ID: <");
    rc = rc != 0 ? rc : ntf_mail_value(out, f->event_id);
    rc = rc != 0 ? rc : sluice_buf_appendf(out, ".%s@%s>\r\n", token, domain);
    if (rc == 0 && f->execution_id[0] != '\0') {
        rc = sluice_buf_append_str(out, "In-Reply-To: <");
        rc = rc != 0 ? rc : ntf_mail_value(out, f->execution_id);
        rc = rc != 0 ? rc : sluice_buf_appendf(out, "@%s>\r\nReferences: <", domain);
        rc = rc != 0 ? rc : ntf_mail_value(out, f->execution_id);
        rc = rc != 0 ? rc : sluice_buf_appendf(out, "@%s>\r\n", domain);
    }
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "X-Sluice-Event-Id: ");
    rc = rc != 0 ? rc : ntf_mail_value(out, f->event_id);
    rc = rc != 0 ? rc
                 : sluice_buf_appendf(out,
                                      "\r\nAuto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
                                      "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
                                      "This is a multi-part message in MIME format.\r\n",
                                      boundary);
    sluice_buf text;
    sluice_buf html;
    sluice_buf_init(&text, 64 * 1024);
    sluice_buf_init(&html, 128 * 1024);
    ntf_mail_bodies(f, &text, &html);
    rc = rc != 0 ? rc
                 : sluice_buf_appendf(out,
                                      "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                                      "Content-Transfer-Encoding: base64\r\n\r\n",
                                      boundary);
    rc = rc != 0 ? rc : ntf_mail_base64(out, sluice_buf_cstr(&text), text.len);
    rc = rc != 0 ? rc
                 : sluice_buf_appendf(out,
                                      "--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
                                      "Content-Transfer-Encoding: base64\r\n\r\n",
                                      boundary);
    rc = rc != 0 ? rc : ntf_mail_base64(out, sluice_buf_cstr(&html), html.len);
    rc = rc != 0 ? rc : sluice_buf_appendf(out, "--%s--\r\n", boundary);
    sluice_buf_free(&text);
    sluice_buf_free(&html);
    return rc;
}
