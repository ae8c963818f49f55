#ifndef CLIBFUZZER_H
#define CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, for programs that keep their own `main` (LLVM's LibFuzzer.rst,
/// "Using libFuzzer as a library"). Defined only when linked with `-sanitize=fuzzer`, so it
/// is called only under `#if FUZZING`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
