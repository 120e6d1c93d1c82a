# Writes OUTPUT (git_info.hpp) with the source tree's commit and whether it has uncommitted changes
# to tracked files, rewriting it only when they changed (so a clean rebuild recompiles nothing).
# Run at every build by the target shortrun_git_info: cmake -DSOURCE_DIR=... -DOUTPUT=... -P this file.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE sha OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE sha_rc)
execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE changes OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE status_rc)
if(NOT sha_rc EQUAL 0 OR NOT sha)
  set(sha "unknown")
  set(dirty -1)  # not a git checkout: unknown
elseif(NOT status_rc EQUAL 0)
  set(dirty -1)
elseif(changes)
  set(dirty 1)
else()
  set(dirty 0)
endif()
set(text "#pragma once\n// Generated at build time by cmake/git_info.cmake.\nnamespace shortrun {\ninline constexpr const char* kGitSha = \"${sha}\";\n/// 1: tracked files differed from the commit when this binary was built; 0: they did not; -1: unknown.\ninline constexpr int kGitDirty = ${dirty};\n}  // namespace shortrun\n")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE ${OUTPUT} "${text}")
endif()
