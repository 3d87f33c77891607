/*
 * test_wk_archive.c — input artifacts unpacked through the path check, output
 * artifacts packed by their globs, with libarchive on a temporary directory.
 */
#include "wk_archive.h"
#include "wk_path.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct entry {
    const char *path;
    int type; /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFIFO */
    const char *data_or_target;
} entry;

static la_ssize_t append_cb(struct archive *a, void *ctx, const void *buf, size_t n)
{
    (void)a;
    return sluice_buf_append(ctx, buf, n) == 0 ? (la_ssize_t)n : -1;
}

/* A zip (or, for a FIFO, a tar: zip cannot hold one) of entries, in memory. */
static void make_archive(const entry *entries, size_t n, bool tar, sluice_buf *out)
{
    sluice_buf_init(out, 1 << 20);
    struct archive *a = archive_write_new();
    if (tar) {
        archive_write_set_format_pax_restricted(a);
    } else {
        archive_write_set_format_zip(a);
    }
    archive_write_open2(a, out, NULL, append_cb, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, entries[i].path);
        archive_entry_set_filetype(e, (unsigned int)entries[i].type);
        archive_entry_set_perm(e, entries[i].type == AE_IFDIR ? 0755 : 04755);
        size_t len = 0;
        if (entries[i].type == AE_IFLNK) {
            archive_entry_set_symlink(e, entries[i].data_or_target);
        } else if (entries[i].type == AE_IFREG) {
            len = strlen(entries[i].data_or_target);
        }
        archive_entry_set_size(e, (la_int64_t)len);
        archive_write_header(a, e);
        if (len > 0) {
            archive_write_data(a, entries[i].data_or_target, len);
        }
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

static char tmp[64];

static void read_file(const char *rel, char *out, size_t outlen)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        size_t n = fread(out, 1, outlen - 1, f);
        out[n] = '\0';
        fclose(f);
    }
}

static void test_unpack(void)
{
    const entry entries[] = {
        {"src/", AE_IFDIR, NULL},
        {"src/main.c", AE_IFREG, "int main(void) { return 0; }\n"},
        {"./README", AE_IFREG, "read me"},
        {"current", AE_IFLNK, "src"},
    };
    sluice_buf zip;
    make_archive(entries, 4, false, &zip);
    char err[WK_PATH_ERR_MAX] = "";
    uint64_t unpacked = 0;
    CHECK_INT_EQ(wk_archive_unpack(zip.data, zip.len, tmp, 1 << 20, &unpacked, err, sizeof err), 0);
    CHECK_INT_EQ(unpacked, strlen("int main(void) { return 0; }\n") + strlen("read me"));
    char text[128];
    read_file("src/main.c", text, sizeof text);
    CHECK_STR_EQ(text, "int main(void) { return 0; }\n");
    read_file("current/main.c", text, sizeof text);
    CHECK_STR_EQ(text, "int main(void) { return 0; }\n");
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/src/main.c", tmp);
    REQUIRE(stat(path, &st) == 0);
    CHECK_INT_EQ(st.st_mode & 07000, 0); /* no set-user-id from the archive */

    /* the bound on unpacked bytes */
    unpacked = 0;
    CHECK_INT_EQ(wk_archive_unpack(zip.data, zip.len, tmp, 10, &unpacked, err, sizeof err),
                 SLUICE_ETOOBIG);
    CHECK_STR_CONTAINS(err, "unpack to more than 10 bytes");
    sluice_buf_free(&zip);
}

static void test_unpack_refusals(void)
{
    char err[WK_PATH_ERR_MAX];
    uint64_t unpacked = 0;
    const entry slip[] = {{"ok.txt", AE_IFREG, "ok"}, {"../../escaped.txt", AE_IFREG, "bad"}};
    sluice_buf zip;
    make_archive(slip, 2, false, &zip);
    CHECK_INT_EQ(wk_archive_unpack(zip.data, zip.len, tmp, 1 << 20, &unpacked, err, sizeof err),
                 SLUICE_EDENIED);
    CHECK_STR_EQ(err, "entry \"../../escaped.txt\": the path climbs out of the workspace with "
                      "\"..\"");
    char path[256];
    snprintf(path, sizeof path, "%s/../../escaped.txt", tmp);
    CHECK(access(path, F_OK) != 0);
    sluice_buf_free(&zip);

    const entry link_out[] = {{"etc", AE_IFLNK, "/etc"}, {"etc/passwd", AE_IFREG, "x"}};
    make_archive(link_out, 2, false, &zip);
    CHECK_INT_EQ(wk_archive_unpack(zip.data, zip.len, tmp, 1 << 20, &unpacked, err, sizeof err),
                 SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "entry \"etc\": the symbolic link points outside the workspace");
    sluice_buf_free(&zip);

    const entry fifo[] = {{"pipe", AE_IFIFO, NULL}};
    make_archive(fifo, 1, true, &zip);
    CHECK_INT_EQ(wk_archive_unpack(zip.data, zip.len, tmp, 1 << 20, &unpacked, err, sizeof err),
                 SLUICE_EDENIED);
    CHECK_STR_EQ(err, "entry \"pipe\": a FIFO cannot be unpacked");
    sluice_buf_free(&zip);

    CHECK_INT_EQ(wk_archive_unpack("not a zip", 9, tmp, 1 << 20, &unpacked, err, sizeof err),
                 SLUICE_EPARSE);
}

static void write_file(const char *dir, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_pack(void)
{
    char workspace[128];
    snprintf(workspace, sizeof workspace, "%s/ws", tmp);
    json_t *job = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:[s], "
                            "s:[{s:s, s:[s, s]}, {s:s, s:[s]}]}",
                            "jobId", "j", "pipeline", "p", "pipelineExecutionId", "e", "stage", "S",
                            "action", "A", "actionExecutionId", "ae", "actionTypeId", "category",
                            "Compute", "owner", "AWS", "provider", "Commands", "version", "1",
                            "commands", "make", "outputArtifacts", "name", "Out", "files",
                            "dist/**", "*.txt", "name", "None", "files", "nothing/*");
    wk_plan_params params = {.workspace = workspace, .now_ms = 0};
    wk_plan *plan = NULL;
    char err[WK_PLAN_ERR_MAX] = "";
    CHECK_INT_EQ(wk_plan_new(job, &params, &plan, err, sizeof err), 0);
    json_decref(job);
    REQUIRE(plan != NULL);
    char dir[256];
    mkdir(workspace, 0700);
    mkdir(plan->src_dir, 0700);
    snprintf(dir, sizeof dir, "%s/dist", plan->src_dir);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/dist/deep", plan->src_dir);
    mkdir(dir, 0700);
    write_file(plan->src_dir, "dist/app.js", "app");
    write_file(plan->src_dir, "dist/deep/x.map", "map");
    write_file(plan->src_dir, "notes.txt", "notes");
    write_file(plan->src_dir, "main.c", "c");

    sluice_buf zip;
    sluice_buf_init(&zip, 1 << 20);
    size_t nfiles = 0;
    CHECK_INT_EQ(wk_archive_pack(plan, 0, &zip, &nfiles, err, sizeof err), 0);
    CHECK_INT_EQ(nfiles, 3);
    struct archive *a = archive_read_new();
    archive_read_support_format_zip(a);
    REQUIRE(archive_read_open_memory(a, zip.data, zip.len) == ARCHIVE_OK);
    struct archive_entry *e;
    int seen = 0;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        CHECK(strcmp(name, "dist/app.js") == 0 || strcmp(name, "dist/deep/x.map") == 0 ||
              strcmp(name, "notes.txt") == 0);
        seen++;
    }
    CHECK_INT_EQ(seen, 3);
    archive_read_free(a);
    sluice_buf_free(&zip);

    sluice_buf_init(&zip, 1 << 20);
    CHECK_INT_EQ(wk_archive_pack(plan, 1, &zip, &nfiles, err, sizeof err), SLUICE_ENOTFOUND);
    CHECK_STR_EQ(err, "output artifact None: no file of the source directory matches "
                      "\"nothing/*\"");
    sluice_buf_free(&zip);

    /* the bound on the zip */
    sluice_buf_init(&zip, 64);
    CHECK_INT_EQ(wk_archive_pack(plan, 0, &zip, &nfiles, err, sizeof err), SLUICE_ETOOBIG);
    sluice_buf_free(&zip);
    wk_plan_free(plan);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/wk-archive-XXXXXX");
    if (mkdtemp(tmp) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_unpack);
    RUN_TEST(test_unpack_refusals);
    RUN_TEST(test_pack);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", tmp);
    }
    return sluice_test_report();
}
