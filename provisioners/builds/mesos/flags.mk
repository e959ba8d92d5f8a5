# Compiling against libmesos 1.11.0 (see build.sh): the flags and rules every recipe that
# does shares (mesos's programs, spark's JNI bindings). Included from a makefile run in the
# source tree with BUILD (headers.sh's build/) and PROTOBUF_SRC set.
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
O := $(BUILD)/obj

obj = $(addprefix $(O)/,$(addsuffix .o,$(1)))

$(O)/libprocess/%.o: $(T)/libprocess/src/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@
$(O)/%.o: src/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@
