# hooks/local.mk - nothing is built here yet; the issue that brings hooks fills it.
