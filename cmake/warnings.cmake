# Strict warnings everywhere; errors when CHORUS_WERROR is on (CI).
add_compile_options(
  -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wvla
  -Wpointer-arith -Wformat=2 -Wundef -Wcast-qual -Wwrite-strings
  # Sofia-SIP's tag macros only warn on a wrong type, then corrupt the heap.
  -Werror=incompatible-pointer-types -Werror=implicit-function-declaration)
if(CHORUS_WERROR)
  add_compile_options(-Werror)
endif()

if(CHORUS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()

if(CHORUS_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CHORUS_FUZZ needs clang (CC=clang)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
