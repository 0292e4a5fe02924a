// The heap's settings, for the program and the benchmarks when they are linked with jemalloc (the CMake
// option PJBIT_ALLOCATOR; docs/performance.md, "The heap allocator"). jemalloc reads this symbol when it
// starts; MALLOC_CONF in the environment still overrides it.
//
// thp:always: jemalloc marks its memory for transparent huge pages (madvise), which Linux grants under its
// default `madvise` policy. A large platform is hundreds of thousands of small SystemC objects, and a run's
// phases touch every rank's state: with 2 MiB pages the kernel faults once where it faulted 512 times, and
// a TLB entry covers 512 times as much of the platform.
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's.
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
