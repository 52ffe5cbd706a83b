#ifndef CLIBGIT2_SHIM_H
#define CLIBGIT2_SHIM_H
#include <git2.h>
/* git_libgit2_opts() is C-variadic, which Swift cannot call: wrap the options we use. */
static inline int clibgit2_set_owner_validation(int on) { return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, on); }
static inline int clibgit2_get_owner_validation(void) { int v = -1; git_libgit2_opts(GIT_OPT_GET_OWNER_VALIDATION, &v); return v; }
static inline int clibgit2_set_strict_hash_verification(int on) { return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, on); }
#endif
