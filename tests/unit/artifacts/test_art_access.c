/* Tests of art_access: every operation has a class, and each role gets exactly its classes. */
#include "art_access.h"

#include "sluice_test.h"

static void test_classes(void)
{
    CHECK_INT_EQ(art_access_class_of(ART_OP_GET_OBJECT), ART_ACCESS_READ);
    CHECK_INT_EQ(art_access_class_of(ART_OP_LIST_OBJECT_VERSIONS), ART_ACCESS_READ);
    CHECK_INT_EQ(art_access_class_of(ART_OP_PUT_OBJECT), ART_ACCESS_WRITE);
    CHECK_INT_EQ(art_access_class_of(ART_OP_DELETE_OBJECTS), ART_ACCESS_WRITE);
    CHECK_INT_EQ(art_access_class_of(ART_OP_UPLOAD_PART_COPY), ART_ACCESS_WRITE);
    CHECK_INT_EQ(art_access_class_of(ART_OP_CREATE_BUCKET), ART_ACCESS_MANAGE);
    CHECK_INT_EQ(art_access_class_of(ART_OP_PUT_BUCKET_VERSIONING), ART_ACCESS_MANAGE);
    CHECK_INT_EQ(art_access_class_of(ART_OP_UNKNOWN), ART_ACCESS_MANAGE);
}

static void test_roles(void)
{
    static const char *const readers[] = {"viewer", "approver", "worker", "operator", "admin"};
    for (int op = ART_OP_UNKNOWN + 1; op < ART_OP_COUNT; op++) {
        art_access_class cls = art_access_class_of((art_route_op)op);
        for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
            const char *role = readers[i];
            bool expect = cls == ART_ACCESS_READ ||
                          (cls == ART_ACCESS_WRITE &&
                           (strcmp(role, "operator") == 0 || strcmp(role, "admin") == 0)) ||
                          (cls == ART_ACCESS_MANAGE && strcmp(role, "admin") == 0);
            if (art_access_allows(role, (art_route_op)op) != expect) {
                CHECK(!"role table");
                fprintf(stderr, "role %s op %s: expected %d\n", role,
                        art_route_op_name((art_route_op)op), expect);
            }
        }
        CHECK(!art_access_allows("Admin", (art_route_op)op));
        CHECK(!art_access_allows("job", (art_route_op)op));
        CHECK(!art_access_allows("", (art_route_op)op));
        CHECK(!art_access_allows(NULL, (art_route_op)op));
    }
}

int main(void)
{
    RUN_TEST(test_classes);
    RUN_TEST(test_roles);
    return sluice_test_report();
}
