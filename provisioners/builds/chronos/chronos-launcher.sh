#!/bin/sh
# Chronos as the labs run it: Java 17 with the module opening its Guice needs, the heap and JIT
# settings from JAVA_OPTS, its logging at INFO (conf/logback.xml), flags on the command line
# (chronos.service passes them).
home=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC2086 # JAVA_OPTS is a list of JVM options
exec java ${JAVA_OPTS:--Xmx384m} --add-opens java.base/java.lang=ALL-UNNAMED -Dlogback.configurationFile="$home/conf/logback.xml" \
    -cp "$home/lib/chronos.jar" org.apache.mesos.chronos.scheduler.Main "$@"
