# embed_file.cmake - turns one file into a NUL-terminated C array (run at
# build time), so an installed rapportd carries proto/event-types.json inside.
# Usage: cmake -DIN=... -DOUT=... -DSYMBOL=... -P embed_file.cmake
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT}.tmp "/* Generated from ${IN} by embed_file.cmake; do not edit. */\nconst char ${SYMBOL}[] = {${bytes} 0x00};\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
