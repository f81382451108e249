# frameworks/local.mk - nothing is built here yet; the issue that brings frameworks fills it.
