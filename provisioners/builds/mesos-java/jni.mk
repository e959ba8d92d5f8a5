# libmesos-java.so: the Mesos 1.11.0 JNI bindings (src/java/jni) plus the pieces of libmesos
# the PyPI library lacks (the JVM helper, the v0 executor driver, the v1 scheduler library,
# ZooKeeper state storage), linked against libmesos-1.11.0.so with no undefined symbol left.
# Run from the source tree: make -f jni.mk MESOS_RECIPE=... BUILD=... PROTOBUF_SRC=...
# HEADERS=... LIBDIR=... OUT=...
include $(MESOS_RECIPE)/flags.mk

JAVA_INCLUDE := $(shell dirname $$(dirname $$(readlink -f $$(command -v javac))))/include
CXXFLAGS += -fPIC -I$(HEADERS) -I$(JAVA_INCLUDE) -I$(JAVA_INCLUDE)/linux
JNI := convert construct org_apache_mesos_MesosNativeLibrary org_apache_mesos_MesosSchedulerDriver \
  org_apache_mesos_MesosExecutorDriver org_apache_mesos_Log org_apache_mesos_state_AbstractState \
  org_apache_mesos_state_LevelDBState org_apache_mesos_state_LogState org_apache_mesos_state_Variable \
  org_apache_mesos_state_ZooKeeperState org_apache_mesos_v1_scheduler_V0Mesos org_apache_mesos_v1_scheduler_V1Mesos
MISSING := jvm/jvm exec/exec scheduler/scheduler state/zookeeper docker/executor \
  authentication/http/basic_authenticatee checks/checker checks/checker_process checks/health_checker

$(OUT)/libmesos-java.so: $(call obj,$(addprefix java/jni/,$(JNI)) $(MISSING)) $(O)/libprocess/pid.o
	@mkdir -p $(dir $@)
	$(CXX) -shared -o $@ $^ -L$(LIBDIR) -l:libmesos-1.11.0.so -Wl,-rpath,/usr/lib/mesos \
	  -Wl,--allow-shlib-undefined -Wl,-z,defs -pthread
