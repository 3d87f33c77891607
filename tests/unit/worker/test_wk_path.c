/*
 * test_wk_path.c — which archive entries may be unpacked into a workspace.
 */
#include "wk_path.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>

static char err[WK_PATH_ERR_MAX];
static char clean[WK_PATH_MAX + 1];

static int check(wk_path_set *set, const char *path, wk_entry_type type, const char *target)
{
    err[0] = '\0';
    clean[0] = '\0';
    return wk_path_check(set, path, type, target, clean, sizeof clean, err, sizeof err);
}

static void test_plain_entries(void)
{
    wk_path_set *set = wk_path_set_new();
    REQUIRE(set != NULL);
    CHECK_INT_EQ(check(set, "src/main.c", WK_ENTRY_FILE, NULL), 0);
    CHECK_STR_EQ(clean, "src/main.c");
    CHECK_INT_EQ(check(set, "./build//out/./a.o", WK_ENTRY_FILE, NULL), 0);
    CHECK_STR_EQ(clean, "build/out/a.o");
    CHECK_INT_EQ(check(set, "docs/", WK_ENTRY_DIRECTORY, NULL), 0);
    CHECK_STR_EQ(clean, "docs");
    CHECK_INT_EQ(check(set, "./", WK_ENTRY_DIRECTORY, NULL), 0);
    CHECK_STR_EQ(clean, "");
    CHECK_INT_EQ(check(set, "..data", WK_ENTRY_FILE, NULL), 0); /* a name, not a climb */
    CHECK_INT_EQ(check(set, "a/...", WK_ENTRY_FILE, NULL), 0);
    CHECK_INT_EQ(check(set, "copy", WK_ENTRY_HARDLINK, "src/main.c"), 0);
    CHECK_INT_EQ(wk_path_finish(set, err, sizeof err), 0);
    wk_path_set_free(set);
}

static void test_paths_refused(void)
{
    wk_path_set *set = wk_path_set_new();
    REQUIRE(set != NULL);
    CHECK_INT_EQ(check(set, "../evil.sh", WK_ENTRY_FILE, NULL), SLUICE_EDENIED);
    CHECK_STR_EQ(err, "entry \"../evil.sh\": the path climbs out of the workspace with \"..\"");
    CHECK_INT_EQ(check(set, "a/b/../../../x", WK_ENTRY_FILE, NULL), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "\"a/b/../../../x\"");
    /* Even a ".." that would stay inside is refused: libarchive refuses it too. */
    CHECK_INT_EQ(check(set, "a/../b", WK_ENTRY_FILE, NULL), SLUICE_EDENIED);
    CHECK_INT_EQ(check(set, "/etc/passwd", WK_ENTRY_FILE, NULL), SLUICE_EDENIED);
    CHECK_STR_EQ(err, "entry \"/etc/passwd\": the path is absolute");
    CHECK_INT_EQ(check(set, "", WK_ENTRY_FILE, NULL), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "empty");
    CHECK_INT_EQ(check(set, "./", WK_ENTRY_FILE, NULL), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "names no file");
    CHECK_INT_EQ(check(set, "bad\nname", WK_ENTRY_FILE, NULL), SLUICE_EDENIED);
    CHECK_STR_EQ(err, "entry \"bad?name\": the path holds a control character (byte 4)");
    CHECK_INT_EQ(check(set, "/", WK_ENTRY_DIRECTORY, NULL), SLUICE_EDENIED);
    CHECK_INT_EQ(check(set, "x", WK_ENTRY_HARDLINK, "../../etc/shadow"), SLUICE_EDENIED);
    CHECK_STR_EQ(err,
                 "entry \"x\": the hard link's target climbs out of the workspace with \"..\"");
    CHECK_INT_EQ(check(set, "y", WK_ENTRY_HARDLINK, "/etc/shadow"), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "the hard link's target is absolute");
    char longpath[WK_PATH_MAX + 8];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    CHECK_INT_EQ(check(set, longpath, WK_ENTRY_FILE, NULL), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "longer than 1024 bytes");
    wk_path_set_free(set);
}

static void test_special_files_refused(void)
{
    wk_path_set *set = wk_path_set_new();
    REQUIRE(set != NULL);
    CHECK_INT_EQ(check(set, "dev/sda", WK_ENTRY_BLOCK_DEVICE, NULL), SLUICE_EDENIED);
    CHECK_STR_EQ(err, "entry \"dev/sda\": a block device cannot be unpacked");
    CHECK_INT_EQ(check(set, "tty", WK_ENTRY_CHARACTER_DEVICE, NULL), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "a character device cannot be unpacked");
    CHECK_INT_EQ(check(set, "pipe", WK_ENTRY_FIFO, NULL), SLUICE_EDENIED);
    CHECK_STR_EQ(err, "entry \"pipe\": a FIFO cannot be unpacked");
    CHECK_INT_EQ(check(set, "sock", WK_ENTRY_SOCKET, NULL), SLUICE_EDENIED);
    CHECK_INT_EQ(check(set, "what", WK_ENTRY_OTHER, NULL), SLUICE_EDENIED);
    wk_path_set_free(set);
}

static void test_symlinks(void)
{
    wk_path_set *set = wk_path_set_new();
    REQUIRE(set != NULL);
    /* Inside: node_modules/.bin style links and links to siblings. */
    CHECK_INT_EQ(check(set, "node_modules/.bin/tool", WK_ENTRY_SYMLINK, "../tool/bin/cli.js"), 0);
    CHECK_INT_EQ(check(set, "latest", WK_ENTRY_SYMLINK, "releases/v2"), 0);
    CHECK_INT_EQ(check(set, "a/b/up", WK_ENTRY_SYMLINK, "../../top.txt"), 0);
    /* Out. */
    CHECK_INT_EQ(check(set, "passwd", WK_ENTRY_SYMLINK, "/etc/passwd"), SLUICE_EDENIED);
    CHECK_STR_EQ(err, "entry \"passwd\": the symbolic link points outside the workspace, to "
                      "\"/etc/passwd\"");
    CHECK_INT_EQ(check(set, "a/out", WK_ENTRY_SYMLINK, "../../x"), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "entry \"a/out\": the symbolic link points outside the workspace");
    CHECK_INT_EQ(check(set, "here", WK_ENTRY_SYMLINK, "sub/../../.."), SLUICE_EDENIED);
    CHECK_INT_EQ(check(set, "empty", WK_ENTRY_SYMLINK, ""), SLUICE_EDENIED);
    /* Written through a link of the archive. */
    CHECK_INT_EQ(check(set, "latest/file", WK_ENTRY_FILE, NULL), SLUICE_EDENIED);
    CHECK_STR_EQ(err, "entry \"latest/file\": the entry would be written through the symbolic "
                      "link \"latest\"");
    CHECK_INT_EQ(check(set, "latest", WK_ENTRY_FILE, NULL), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "replaces an earlier symbolic link");
    CHECK_INT_EQ(wk_path_finish(set, err, sizeof err), 0);
    wk_path_set_free(set);
}

/* A link "d -> ." makes "d/.." the workspace's parent: ".." over a link is refused. */
static void test_dotdot_over_link(void)
{
    wk_path_set *set = wk_path_set_new();
    REQUIRE(set != NULL);
    CHECK_INT_EQ(check(set, "d", WK_ENTRY_SYMLINK, "."), 0);
    CHECK_INT_EQ(check(set, "x", WK_ENTRY_SYMLINK, "d/../secret"), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "steps back with \"..\" over another symbolic link");
    wk_path_set_free(set);

    /* The same with the link defined afterwards: caught by wk_path_finish. */
    set = wk_path_set_new();
    REQUIRE(set != NULL);
    CHECK_INT_EQ(check(set, "x", WK_ENTRY_SYMLINK, "d/../secret"), 0);
    CHECK_INT_EQ(check(set, "d", WK_ENTRY_SYMLINK, "."), 0);
    CHECK_INT_EQ(wk_path_finish(set, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "entry \"x\"");
    wk_path_set_free(set);

    /* A link placed under a later link's path: also caught at the end. */
    set = wk_path_set_new();
    REQUIRE(set != NULL);
    CHECK_INT_EQ(check(set, "d/x", WK_ENTRY_SYMLINK, "../y"), 0);
    CHECK_INT_EQ(check(set, "d", WK_ENTRY_SYMLINK, "."), 0);
    CHECK_INT_EQ(wk_path_finish(set, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_EQ(err, "entry \"d/x\": the entry lies under the symbolic link \"d\"");
    wk_path_set_free(set);
}

/* A refused entry leaves the set as it was. */
static void test_refusal_leaves_set(void)
{
    wk_path_set *set = wk_path_set_new();
    REQUIRE(set != NULL);
    CHECK_INT_EQ(check(set, "bad", WK_ENTRY_SYMLINK, "/tmp"), SLUICE_EDENIED);
    CHECK_INT_EQ(check(set, "bad/file", WK_ENTRY_FILE, NULL), 0);
    CHECK_INT_EQ(wk_path_finish(set, err, sizeof err), 0);
    wk_path_set_free(set);
}

int main(void)
{
    RUN_TEST(test_plain_entries);
    RUN_TEST(test_paths_refused);
    RUN_TEST(test_special_files_refused);
    RUN_TEST(test_symlinks);
    RUN_TEST(test_dotdot_over_link);
    RUN_TEST(test_refusal_leaves_set);
    return sluice_test_report();
}
