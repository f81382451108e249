# modules/local.mk - the module SDK: public headers, butte-module.pc, the
# template module (built out of tree by tests) and first-party example modules.

butte_HEADERS += \
	modules/include/butte/common.h \
	modules/include/butte/error.h \
	modules/include/butte/pool.h \
	modules/include/butte/log.h \
	modules/include/butte/loop.h \
	modules/include/butte/module.h
nodist_butte_HEADERS = modules/include/butte/version.h
pkgconfig_DATA = modules/butte-module.pc
EXTRA_DIST += modules/butte-module.pc.in modules/include/butte/version.h.in

# --- kind headers (the loader work)
butte_HEADERS += \
	modules/include/butte/resources.h \
	modules/include/butte/allocator.h \
	modules/include/butte/sorter.h \
	modules/include/butte/isolator.h \
	modules/include/butte/containerizer.h \
	modules/include/butte/authenticator.h \
	modules/include/butte/hook.h \
	modules/include/butte/anonymous.h

# --- paramlog: a first-party anonymous module that logs its parameters
mod_LTLIBRARIES += modules/paramlog/libparamlog.la
modules_paramlog_libparamlog_la_SOURCES = modules/paramlog/paramlog.c
modules_paramlog_libparamlog_la_CFLAGS = $(MODULE_CFLAGS)
modules_paramlog_libparamlog_la_LDFLAGS = $(MODULE_LDFLAGS)
modules_paramlog_libparamlog_la_LIBADD = kernel/libbutte.la

# --- .libs-modules: every first-party module of the build tree in one
# folder, so tests and uninstalled roles can set BUTTE_MODULE_DIR to it.
# Symlinks, so a rebuilt module is picked up without re-running this.
all-local: libs-modules-links
clean-local: libs-modules-clean
.PHONY: libs-modules-links libs-modules-clean
libs-modules-links: $(mod_LTLIBRARIES)
	@$(MKDIR_P) $(top_builddir)/.libs-modules
	@for la in $(mod_LTLIBRARIES); do \
	  so=`echo "$$la" | $(SED) -e 's|\([^/]*\)\.la$$|.libs/\1.so|'`; \
	  if test -f "$$so"; then \
	    ln -sf "$(abs_top_builddir)/$$so" $(top_builddir)/.libs-modules/ || exit 1; \
	  fi; \
	done
libs-modules-clean:
	-rm -rf $(top_builddir)/.libs-modules

# --- template: built out of tree against the installed SDK by
# tests/integration/template-out-of-tree.sh, so it is only distributed here.
EXTRA_DIST += modules/template/Makefile modules/template/greeter.c modules/template/README.md
