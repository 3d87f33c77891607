/*
 * ntf_approvers.h — who gets a mail with their own signed link when an
 * approval waits (`Sluice Approval Needed`), and that link.
 *
 * The directory is Sluice's identity configuration (SLUICE_API_CREDENTIALS,
 * the api's format): the notifier keeps only each identity's name, groups
 * and e-mail address; the access keys and secrets are wiped as soon as the
 * string is read. ntf_approvers_resolve turns the event's approvers
 * (SluiceApprovers entries: a user name, an ARN, group:<name>) into the
 * people they name who have an e-mail address, matched exactly as the
 * engine matches a voter (model_approval_entry_matches). ntf_approvers_link
 * makes one person's signed one-time link (approval_link.h) to the page at
 * the notifier's own SLUICE_APPROVALS_PUBLIC_URL — never at a URL an event
 * names, so an event cannot send a link anywhere else.
 *
 * Pure but for ntf_directory_load's copy of the configuration; the
 * directory is read-only after loading (thread-safe).
 */
#ifndef SLUICE_NTF_APPROVERS_H
#define SLUICE_NTF_APPROVERS_H

#include "sluice/approval_link.h"
#include "sluice/aws_credentials.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define NTF_APPROVERS_MAX 50 /* personal mails for one approval */

typedef struct ntf_person {
    char identity[AWS_IDENTITY_MAX + 1];
    char email[AWS_EMAIL_MAX + 1]; /* "" when none */
    char groups[AWS_CREDENTIAL_MAX_GROUPS][AWS_GROUP_MAX + 1];
    size_t ngroups;
} ntf_person;

typedef struct ntf_directory {
    ntf_person *people; /* one per identity, in the order first named */
    size_t count;
} ntf_directory;

/*
 * Reads the identities of spec (SLUICE_API_CREDENTIALS' format; "" gives an
 * empty directory) into dir. 0, or aws_credentials_parse's code with err
 * naming the entry and field (never a value); dir is then empty.
 */
int ntf_directory_load(ntf_directory *dir, const char *spec, char *err, size_t errlen);

/* Frees what ntf_directory_load made; dir is empty after. */
void ntf_directory_free(ntf_directory *dir);

/* One person to mail: an identity named by the approval and their address. */
typedef struct ntf_recipient {
    char identity[AWS_IDENTITY_MAX + 1];
    char email[AWS_EMAIL_MAX + 1];
} ntf_recipient;

/*
 * The people of dir that approvers (a JSON array of SluiceApprovers entries;
 * anything else names nobody) name and that have an e-mail address, each
 * once, in directory order, at most max into out; account makes the
 * identity's ARN the entries are matched against. Returns their number.
 */
size_t ntf_approvers_resolve(const ntf_directory *dir, const json_t *approvers, const char *account,
                             ntf_recipient *out, size_t max);

/*
 * The signed link of identity to approval id at public_url into out
 * (SLUICE_APPROVAL_URL_MAX bytes): valid for ttl_s from now_s, never past
 * deadline_s. 0; SLUICE_ETIMEDOUT (the deadline has passed: no link), or
 * sluice_approval_link_make's / _url's codes.
 */
int ntf_approvers_link(const unsigned char *key, size_t keylen, const char *public_url,
                       const char *id, const char *identity, int64_t now_s, int64_t ttl_s,
                       int64_t deadline_s, char *out, size_t outlen);

#endif
