# Settings every Sightglass target gets, in one place (target-scoped; no global flag edits).

# sg_configure_target(<target>): warnings, strict Qt definitions, sanitizers.
function(sg_configure_target target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  # Qt's `slots`/`signals`/`emit` macros clash with torch headers; we write Q_SLOTS etc.
  target_compile_definitions(${target} PRIVATE
    QT_NO_KEYWORDS QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_URL_CAST_FROM_STRING
    QT_DISABLE_DEPRECATED_BEFORE=0x060000)
  if(SG_SANITIZE)
    string(REPLACE ";" "," sanitizers "${SG_SANITIZE}")
    target_compile_options(${target} PRIVATE -fsanitize=${sanitizers} -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${sanitizers})
  endif()
endfunction()
