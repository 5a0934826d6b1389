# SPDX-License-Identifier: GPL-2.0-only
# cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed.cmake
# Writes a C file defining `const unsigned char NAME[]` (NUL-terminated) and NAME_len.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}.tmp"
  "/* Generated from ${IN} by tools/embed.cmake: do not edit. */\n"
  "const unsigned char ${NAME}[] = {\n\t${bytes}0x00\n};\n"
  "const unsigned long ${NAME}_len = ${len};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
