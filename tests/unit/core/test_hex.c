/* Unit tests of sluice/hex.h: digits and decoding. */
#include "sluice/hex.h"
#include "sluice_test.h"

static void test_values(void)
{
    CHECK_INT_EQ(sluice_hex_value('0'), 0);
    CHECK_INT_EQ(sluice_hex_value('9'), 9);
    CHECK_INT_EQ(sluice_hex_value('a'), 10);
    CHECK_INT_EQ(sluice_hex_value('F'), 15);
    CHECK_INT_EQ(sluice_hex_value('g'), -1);
    CHECK_INT_EQ(sluice_hex_value('\0'), -1);
    CHECK_INT_EQ(sluice_hex_value(' '), -1);
}

static void test_decode(void)
{
    unsigned char out[4];
    CHECK_INT_EQ(sluice_hex_decode("00ff7A", 6, out, sizeof out), 3);
    CHECK_INT_EQ(out[0], 0x00);
    CHECK_INT_EQ(out[1], 0xff);
    CHECK_INT_EQ(out[2], 0x7a);
    CHECK_INT_EQ(sluice_hex_decode("abc", 3, out, sizeof out), -1);         /* odd */
    CHECK_INT_EQ(sluice_hex_decode("zz", 2, out, sizeof out), -1);          /* not hex */
    CHECK_INT_EQ(sluice_hex_decode("0011223344", 10, out, sizeof out), -1); /* too long */
    CHECK_INT_EQ(sluice_hex_decode("", 0, out, sizeof out), 0);
}

int main(void)
{
    RUN_TEST(test_values);
    RUN_TEST(test_decode);
    return sluice_test_report();
}
