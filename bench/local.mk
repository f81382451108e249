# bench/local.mk - benchmarks (issue 6).  Never part of make check except a
# smoke-size run; "make bench" runs them and refreshes bench/RESULTS.md.

# --- allocator benchmark (the allocators/ modules through the loader)
check_PROGRAMS += bench/allocator
bench_allocator_CFLAGS = $(AM_CFLAGS)
bench_allocator_LDADD = kernel/libbutte.la
TESTS += bench/allocator-smoke.sh
EXTRA_DIST += bench/allocator-smoke.sh bench/RESULTS.md

.PHONY: bench bench-allocator
bench: bench-allocator
bench-allocator: bench/allocator$(EXEEXT) all
	BUTTE_MODULE_DIR='$(abs_top_builddir)/.libs-modules' BUTTE_SRCDIR='$(abs_top_srcdir)' \
	  ./bench/allocator$(EXEEXT) --results '$(abs_top_srcdir)/bench/RESULTS.md'
