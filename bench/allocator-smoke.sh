#!/bin/sh
# bench/allocator-smoke.sh - a smoke-size run of the allocator benchmark
# under make check, so the benchmark keeps building and running.
exec "${BUTTE_BUILDDIR:-.}/bench/allocator" --smoke
