/*
 * fuzz.h: what every harness in tests/fuzz/ shares. Each harness defines
 * LLVMFuzzerTestOneInput (and may define LLVMFuzzerInitialize); built with
 * -fsanitize=fuzzer it is a libFuzzer target, built with replay.c it is a
 * program that runs the same entry point on the files it is given (make
 * regression). FUZZ_CONF_DIR is the repository's conf/ folder.
 */
#ifndef QUJAT_FUZZ_H
#define QUJAT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#ifndef FUZZ_CONF_DIR
#define FUZZ_CONF_DIR "conf"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
