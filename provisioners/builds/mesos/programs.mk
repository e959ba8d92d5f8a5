# The Mesos 1.11.0 programs mlab builds against libmesos (see build.sh). Run from the source
# tree: make -f programs.mk BUILD=... PROTOBUF_SRC=... LIBDIR=... OUTDIR=...
#
include $(dir $(lastword $(MAKEFILE_LIST)))flags.mk

# Undefined symbols are allowed in the library only (its OpenSSL 1.0 calls, reached with SSL
# on); every symbol the programs use must resolve.
LDFLAGS := -L$(LIBDIR) -l:libmesos-1.11.0.so -Wl,--allow-shlib-undefined -Wl,-rpath,/usr/lib/mesos \
  -pthread -l:libarchive.so.13 -l:libcurl.so.4
FIREWALL := $(O)/libprocess/firewall.o
CHECKS := $(call obj,checks/checker checks/checker_process checks/health_checker)
V1EXECUTOR := $(call obj,executor/executor executor/v0_v1executor)
EXECUTOR_DRIVER := $(call obj,exec/exec docker/executor) $(O)/libprocess/pid.o

PROGRAMS := mesos-master mesos-agent mesos-execute
HELPERS := mesos-containerizer mesos-executor mesos-fetcher mesos-default-executor \
  mesos-docker-executor mesos-logrotate-logger mesos-io-switchboard mesos-tcp-connect
all: $(addprefix $(OUTDIR)/,$(PROGRAMS)) $(addprefix $(OUTDIR)/libexec/,$(HELPERS))

$(OUTDIR)/mesos-master: $(call obj,master/main master/allocator/allocator master/allocator/mesos/sorter/random/sorter)
$(OUTDIR)/mesos-agent: $(call obj,slave/main)
$(OUTDIR)/mesos-execute: $(call obj,cli/execute scheduler/scheduler authentication/http/basic_authenticatee) $(O)/libprocess/pid.o
$(OUTDIR)/libexec/mesos-containerizer: $(call obj,slave/containerizer/mesos/main slave/containerizer/mesos/mount)
$(OUTDIR)/libexec/mesos-executor: $(call obj,launcher/executor) $(CHECKS) $(V1EXECUTOR) $(EXECUTOR_DRIVER)
$(OUTDIR)/libexec/mesos-fetcher: $(call obj,launcher/fetcher)
$(OUTDIR)/libexec/mesos-default-executor: $(call obj,launcher/default_executor) $(CHECKS) $(V1EXECUTOR) $(EXECUTOR_DRIVER)
$(OUTDIR)/libexec/mesos-docker-executor: $(call obj,launcher/docker_executor) $(CHECKS) $(EXECUTOR_DRIVER)
$(OUTDIR)/libexec/mesos-logrotate-logger: $(call obj,slave/container_loggers/logrotate)
$(OUTDIR)/libexec/mesos-io-switchboard: $(call obj,slave/containerizer/mesos/io/switchboard_main)
$(OUTDIR)/libexec/mesos-tcp-connect: $(call obj,checks/tcp_connect)

$(addprefix $(OUTDIR)/,$(PROGRAMS)) $(addprefix $(OUTDIR)/libexec/,$(HELPERS)): $(FIREWALL)
	@mkdir -p $(dir $@)
	$(CXX) -o $@ $^ $(LDFLAGS)
