// LD_PRELOAD shim for fsync_failure_test.sh: while the file named by
// TOCSIN_FAIL_FDATASYNC_FLAG exists, the next fdatasync() removes it and
// fails with EIO (as a disk error reported at write-back does); every other
// call goes to the C library's fdatasync.
#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

extern "C" int fdatasync(int fd) {
  using Fn = int (*)(int);
  static Fn real_fdatasync = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "fdatasync"));
  const char* flag = std::getenv("TOCSIN_FAIL_FDATASYNC_FLAG");
  if (flag && unlink(flag) == 0) {
    errno = EIO;
    return -1;
  }
  return real_fdatasync(fd);
}
