# Settings every Sightglass target gets, in one place (target-scoped; no global flag edits).

# sg_configure_target(<target>): warnings, strict Qt definitions, sanitizers.
function(sg_configure_target target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  # Debian's libtorch_cpu links OpenCV highgui, which loads Qt 5 into every process of ours.
  # Qt 5 libraries then bind their Qt 5 symbols to any same-named Qt 6 inline function our
  # binaries export (e.g. QByteArray::append(const char*), emitted out of line in Debug
  # builds), and crash at start-up. Hidden visibility keeps our symbols to ourselves.
  target_compile_options(${target} PRIVATE -fvisibility=hidden -fvisibility-inlines-hidden)
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
