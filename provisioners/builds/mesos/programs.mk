# The Mesos 1.11.0 programs mlab builds against libmesos (see build.sh). Run from the source
# tree: make -f programs.mk BUILD=... PROTOBUF_SRC=... LIBDIR=... OUTDIR=...
#
# The -D flags are the ones the PyPI library was configured with (SSL socket, libevent, NVML,
# seccomp, authentication, zlib): they select members of classes shared with the library.
DEFINES := -DPACKAGE_VERSION=\"1.11.0\" -DVERSION=\"1.11.0\" -DHAS_AUTHENTICATION=1 \
  -DUSE_SSL_SOCKET=1 -DUSE_LIBEVENT=1 -DENABLE_NVML=1 -DENABLE_SECCOMP_ISOLATOR=1 -DHAVE_LIBZ=1 \
  -DHAVE_PTHREAD=1 -D__STDC_FORMAT_MACROS -DPICOJSON_USE_INT64 \
  -DLIBDIR=\"/usr/lib/mesos\" -DPKGLIBEXECDIR=\"/usr/libexec/mesos\" \
  -DPKGDATADIR=\"/usr/share/mesos\" -DPKGMODULEDIR=\"/usr/lib/mesos/modules\"
T := 3rdparty
INCLUDES := -Iinclude -I$(BUILD)/include -I$(BUILD)/include/mesos -Isrc -I$(BUILD)/src \
  -I$(T)/libprocess/include -I$(T)/stout/include -I$(T)/boost-1.65.0 -I$(T)/concurrentqueue-7b69a8f \
  -I$(T)/elfio-3.2 -I$(T)/glog-0.4.0/src -I$(T)/picojson-1.3.0 -I$(T)/rapidjson-1.1.0/include \
  -I$(T)/http-parser-2.6.2 -I$(T)/leveldb-1.19/include -I$(T)/nvml-352.79 \
  -I$(T)/libseccomp-2.3.3/include -I$(PROTOBUF_SRC) -I/usr/include/zookeeper
CXXFLAGS := -std=c++14 -O2 -g0 -w $(DEFINES) $(INCLUDES)
# Undefined symbols are allowed in the library only (its OpenSSL 1.0 calls, reached with SSL
# on); every symbol the programs use must resolve.
LDFLAGS := -L$(LIBDIR) -l:libmesos-1.11.0.so -Wl,--allow-shlib-undefined -Wl,-rpath,/usr/lib/mesos \
  -pthread -l:libarchive.so.13 -l:libcurl.so.4
O := $(BUILD)/obj

obj = $(addprefix $(O)/,$(addsuffix .o,$(1)))
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

$(O)/libprocess/%.o: $(T)/libprocess/src/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@
$(O)/%.o: src/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@
