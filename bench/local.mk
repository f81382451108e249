# bench/local.mk - nothing is built here yet; the issue that brings bench fills it.
