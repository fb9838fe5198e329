#pragma once
// Names the calling thread as `top -H`, `ps -L`, gdb and perf show it
// ("tocsin-writer", ...). Linux keeps at most 15 characters.

#include <pthread.h>

namespace tocsin {

inline void NameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace tocsin
