/*
 * ntf_mail.h — the e-mail of a notification, as an RFC 5322 message.
 *
 * Headers: Date, From, To, Subject (RFC 2047 "=?UTF-8?B?…?=" words when it
 * is not plain ASCII, each word at most 75 characters), Message-ID
 * "<event id>.<target>@<domain>" (so a redelivered event gives the same id
 * and mail systems can drop the duplicate), In-Reply-To and References
 * "<execution id>@<domain>" (every mail about one execution is one thread),
 * MIME-Version, Auto-Submitted: auto-generated, X-Sluice-Event-Id. The body
 * is multipart/alternative: text/plain and text/html, both UTF-8 in base64
 * lines of 76 characters. CR and LF never reach a header from event data.
 *
 * Pure; thread-safe.
 */
#ifndef SLUICE_NTF_MAIL_H
#define SLUICE_NTF_MAIL_H

#include "ntf_message.h"
#include "ntf_rules.h"

#include "sluice/buf.h"

#include <stdint.h>

/*
 * Appends the message for facts to target (an e-mail target) to out, dated
 * now_ms, ids in domain. 0, or SLUICE_ETOOBIG when out's bound is reached
 * (out then holds a prefix; discard it).
 */
int ntf_mail_render(const ntf_facts *facts, const ntf_target *target, const char *domain,
                    int64_t now_ms, sluice_buf *out);

/*
 * Appends header text as RFC 2047 encoded words when it holds anything but
 * printable ASCII (else as it is, CR/LF replaced by spaces). 0 or SLUICE_ETOOBIG.
 */
int ntf_mail_encode_header(const char *text, sluice_buf *out);

#endif
