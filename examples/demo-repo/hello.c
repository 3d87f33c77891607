/* The demo's program: prints a greeting, built by the demo pipeline's Build stage. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    const char *greeting = getenv("GREETING");
    printf("%s from the sluice demo\n", greeting != NULL ? greeting : "hello");
    return 0;
}
